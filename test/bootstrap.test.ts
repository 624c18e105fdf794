import { GetLifecyclePolicyCommand, LifecyclePolicyNotFoundException } from "@aws-sdk/client-ecr";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClients, type AwsClients } from "../src/aws/clients.js";
import { registerBootstrap } from "../src/cli/bootstrap-command.js";
import { runBootstrap } from "../src/cli/bootstrap-run.js";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment } from "../src/env/model.js";
import { UserInputError } from "../src/errors.js";
import { bootstrap } from "../src/orchestrator/bootstrap.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const RETRY = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 };
const URI = "123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev";

let cloud: FakeCloud;
let clients: AwsClients;
let env: Environment;

beforeEach(() => {
  cloud = createFakeCloud();
  clients = createClients({ region: "us-east-2" });
  env = loadEnvironment("dev", { vars: {}, cwd: "/nonexistent" });
  answerLifecyclePolicyReads(cloud);
});
afterEach(() => cloud.restore());

/** GetLifecyclePolicy from the fake's own state, for as long as the fake does not answer it itself. */
function answerLifecyclePolicyReads(fake: FakeCloud) {
  if ("GetLifecyclePolicy" in fake.services.ecr.handlers()) return;
  fake.mocks.ECR.on(GetLifecyclePolicyCommand).callsFake((input: { repositoryName: string }) => {
    fake.calls.push({ service: "ECR", command: "GetLifecyclePolicy", input, at: fake.clock.now(), region: "us-east-2" });
    const repo = fake.services.ecr.mustGet(input.repositoryName);
    if (repo.lifecyclePolicy === undefined) {
      throw new LifecyclePolicyNotFoundException({ message: "Lifecycle policy does not exist", $metadata: {} });
    }
    return { repositoryName: repo.name, lifecyclePolicyText: repo.lifecyclePolicy };
  });
}

describe("bootstrap", () => {
  it("creates the repository with scan on push, mutable tags and a keep-last-30 lifecycle policy", async () => {
    const result = await bootstrap({ env, clients, retry: RETRY });
    const repo = cloud.services.ecr.repositories.get("alert-engine-dev")!;
    expect(repo).toMatchObject({ scanOnPush: true, tagMutability: "MUTABLE" });
    expect(JSON.parse(repo.lifecyclePolicy!)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "keep the last 30 images",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
          action: { type: "expire" },
        },
      ],
    });
    expect(cloud.callsOf("CreateRepository")[0]!.input).toMatchObject({ tags: [{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: "dev" }] });
    expect(result.repository.uri).toBe(URI);
    expect(result.changes).toHaveLength(2);
    expect(result.pushCommands).toEqual([
      "aws ecr get-login-password --region us-east-2 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-2.amazonaws.com",
      "docker build -t alert-engine-dev:latest .",
      `docker tag alert-engine-dev:latest ${URI}:latest`,
      `docker push ${URI}:latest`,
    ]);
  });

  it("is idempotent: a second run changes nothing and makes no mutating call", async () => {
    await bootstrap({ env, clients, retry: RETRY });
    const before = cloud.mutatingCalls().length;
    const again = await bootstrap({ env, clients, retry: RETRY });
    expect(again.changes).toEqual([]);
    expect(again.repository.uri).toBe(URI);
    expect(cloud.mutatingCalls()).toHaveLength(before);
  });

  it("brings an existing repository up to the standard without recreating it", async () => {
    cloud.putRepository("alert-engine-dev");
    cloud.putImage("alert-engine-dev", "latest");
    const result = await bootstrap({ env, clients, retry: RETRY, keepImages: 10 });
    expect(cloud.callsOf("CreateRepository")).toEqual([]);
    expect(result.changes).toEqual(["turned on scan on push for alert-engine-dev", "set lifecycle policy on alert-engine-dev: keep the last 10 images"]);
    expect(cloud.services.ecr.repositories.get("alert-engine-dev")!.images).toHaveLength(1);
  });

  it("refuses another account than the environment's, changing nothing", async () => {
    const error = await bootstrap({ env: { ...env, account: "999999999999" }, clients, retry: RETRY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toContain("only into account 999999999999");
    expect(cloud.mutatingCalls()).toEqual([]);
  });
});

describe("bootstrap command", () => {
  it("prints the repository, what changed and the docker commands, then nothing changed on a rerun", async () => {
    const lines: string[] = [];
    const overrides = { clients, retry: RETRY, log: (line: string) => lines.push(line), signal: new AbortController().signal };
    expect(await runBootstrap("dev", {}, overrides)).toBe(0);
    const first = lines.join("\n");
    expect(first).toContain(`dev: ECR repository ${URI}`);
    expect(first).toContain("created ECR repository alert-engine-dev");
    expect(first).toContain(`docker push ${URI}:latest`);
    expect(first).toContain("npm run orchestrate -- deploy dev");

    lines.length = 0;
    expect(await runBootstrap("dev", {}, overrides)).toBe(0);
    expect(lines.join("\n")).toContain("already in place: nothing changed");
  });

  it("the deploy it names next repeats this run's --region and --endpoint-url", async () => {
    const lines: string[] = [];
    const overrides = { clients, retry: RETRY, log: (line: string) => lines.push(line), signal: new AbortController().signal };
    expect(await runBootstrap("dev", { region: "us-east-2", endpointUrl: "http://localhost:4566" }, overrides)).toBe(0);
    expect(lines).toContain("\nthen: npm run orchestrate -- deploy dev --region us-east-2 --endpoint-url http://localhost:4566   (or: deploy dev --build DIR to do both)");
  });

  it("registers `bootstrap <env>` with --keep-images", async () => {
    const program = new Command("orchestrate").exitOverride().configureOutput({ writeErr: () => {} });
    const lines: string[] = [];
    registerBootstrap(program, { clients, retry: RETRY, log: (line) => lines.push(line), signal: new AbortController().signal });
    await program.parseAsync(["bootstrap", "dev", "--keep-images", "5"], { from: "user" });
    expect(process.exitCode).toBe(0);
    process.exitCode = undefined;
    expect(lines.join("\n")).toContain("keep the last 5 images");
    // An environment the config does not declare is refused by the loader, before any AWS call.
    const calls = cloud.calls.length;
    await expect(program.parseAsync(["bootstrap", "qa"], { from: "user" })).rejects.toThrow(/Unknown environment "qa"/);
    expect(cloud.calls.length).toBe(calls);
  });
});
