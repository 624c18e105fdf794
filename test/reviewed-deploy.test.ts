/**
 * "Reviewed means executed, and only that": `deploy <env> --changeset NAME` executes exactly the change sets
 * a review kept under NAME, made from what the review recorded (image, environment values), or refuses
 * before anything changes. Driven through the CLI against the stateful fake cloud.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloudFormationApi } from "../src/aws/cloudformation.js";
import { main } from "../src/cli/program.js";
import { isReviewedChangeSetCurrent } from "../src/orchestrator/deploy/reviewed-change-sets.js";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, FAST_RETRY, freshHarnessEachTest, nameInArn, type Harness } from "./support/deploy-harness.js";

const MUTATING = [
  "CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "CreateStack", "DeleteStack", "UpdateTerminationProtection",
  "RequestCertificate", "ChangeResourceRecordSets", "PutObject", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
];
const reviewName = (cli: Cli) => /Change sets kept for review \((review-\w+)\)/.exec(cli.output())?.[1];
/** The "Execute exactly these:" command as printed, split into argv after `npm run orchestrate --`. */
const printedDeploy = (cli: Cli) => {
  const line = /Execute exactly these: npm run orchestrate -- (.+)$/m.exec(cli.output())?.[1];
  return line?.split(/\s+/);
};

describe("deploy --changeset NAME executes only the reviewed change sets", () => {
  let h: Harness;
  let config: string;
  beforeEach(() => {
    h = deployHarness();
    config = writeConfig(h.cloud.account);
  });
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  const mutationsSince = (before: number) => h.cloud.calls.slice(before).filter((c) => MUTATING.includes(c.command));

  it("refuses a name that was never created on an environment that does not exist: exit 2, nothing created", async () => {
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev", "--changeset", "review-20990101T000000Z"])).toBe(2);
    expect(cli.output()).toMatch(/no change set review-20990101T000000Z in dev/);
    expect(mutationsSince(0)).toEqual([]);
    for (const id of ["network", "storage", "auth", "backend", "domain"]) expect(h.cloud.stack(`alert-engine-${id}-dev`)).toBeUndefined();
  });

  it("names the review command to run next as it can be pasted: the npm script with this run's --config, which runs", async () => {
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev", "--changeset", "review-20990101T000000Z"])).toBe(2);
    const printed = /review again with 'npm run orchestrate -- (changeset dev[^']*)'/.exec(cli.output())?.[1];
    expect(printed).toBe(`changeset dev --config ${config}`);
    // The harness adds --config itself: run the printed words without it, as a person pasting the line would.
    const words = printed!.split(/\s+/).filter((w, i, all) => w !== "--config" && all[i - 1] !== "--config");
    expect(await cli.run(words)).toBe(0);
    expect(cli.output()).toMatch(/Review of dev \(us-east-2\)/);
  });

  it("refuses when a stack with changes has no such change set, executing none of the review", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    // A longer log retention changes the network stack, a bigger task the backend: the review keeps two change sets.
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048, logRetentionDays: 14 } }));
    expect(await cli.run(["changeset", "dev"])).toBe(0);
    const review = reviewName(cli)!;
    // Someone discards the network's change set by hand (DeleteChangeSet does not update the stack).
    const network = h.cloud.stack("alert-engine-network-dev")!;
    const cfn = new CloudFormationApi(h.clients.cloudformation, FAST_RETRY);
    await cfn.deleteChangeSet(network.name, review);
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.output()).toMatch(/alert-engine-network-dev has changes but no change set review-\w+/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("refuses a stack that does not exist yet, and a certificate that would have to be requested", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } }));
    expect(await cli.run(["changeset", "dev"])).toBe(0);
    const review = reviewName(cli)!;
    h.cloud.services.cloudFormation.stacks.delete("alert-engine-domain-dev");
    h.cloud.services.acm.certificates.splice(0); // deleted by hand
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.output()).toMatch(/alert-engine-domain-dev does not exist yet/);
    expect(cli.output()).toMatch(/certificate .* would have to be requested/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("runs the printed command as printed: the reviewed image tag's digest is deployed, with no other flag", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const v2 = h.cloud.putImage("alert-engine-dev", "v2");
    const cli = cliHarness(h, config);
    expect(await cli.run(["changeset", "dev", "--image-tag", "v2"])).toBe(0);
    const argv = printedDeploy(cli)!;
    expect(argv).toEqual(["deploy", "dev", "--changeset", reviewName(cli), "--config", config]);

    // Exactly the printed words, without the harness adding its own --config.
    const lines: string[] = [];
    const code = await main(argv, { clients: h.clients, clock: h.cloud.clock, retry: FAST_RETRY, interactive: false, log: (l) => lines.push(l), signal: new AbortController().signal });
    expect(code).toBe(0);
    expect(h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri).toMatch(new RegExp(`@${v2.digest}$`));
    expect(h.cloud.callsOf("CreateChangeSet").filter((c) => /^orchestrate-/.test((c.input as { ChangeSetName: string }).ChangeSetName))).toHaveLength(5);
  });

  it("the record fits CloudFormation's 1024-character Description even with the longest Docker tag, in prod", async () => {
    await h.deploy("prod", { env: environmentFrom(config, "prod") });
    const longest = `v${"9".repeat(127)}`;
    h.cloud.putImage("alert-engine-prod", longest);
    const cli = cliHarness(h, config);
    expect(await cli.run(["changeset", "prod", "--image-tag", longest])).toBe(0);
    const listed = await new CloudFormationApi(h.clients.cloudformation, FAST_RETRY).listChangeSets("alert-engine-backend-prod");
    const kept = listed.filter((c) => c.name === reviewName(cli));
    expect(kept).toEqual([expect.objectContaining({ executionStatus: "AVAILABLE", description: expect.stringContaining(longest) })]);
    expect(kept[0]!.description!.length).toBeLessThanOrEqual(1024);
  });

  it("the printed command carries --region, --profile and --endpoint-url when the review used them", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    h.cloud.putImage("alert-engine-dev", "v2");
    const cli = cliHarness(h, config);
    expect(await cli.run(["changeset", "dev", "--image-tag", "v2", "--region", "us-east-2", "--endpoint-url", "http://localhost:4566"])).toBe(0);
    expect(printedDeploy(cli)).toEqual(["deploy", "dev", "--changeset", reviewName(cli), "--config", config, "--region", "us-east-2", "--endpoint-url", "http://localhost:4566"]);
  });

  it("the printed command sets PROJECT_NAME and BASE_DOMAIN when the review's shell had them", async () => {
    vi.stubEnv("BASE_DOMAIN", "totogicore.com");
    try {
      await h.deploy("dev", { env: environmentFrom(config, "dev") });
      h.cloud.putImage("alert-engine-dev", "v2");
      const cli = cliHarness(h, config);
      expect(await cli.run(["changeset", "dev", "--image-tag", "v2"])).toBe(0);
      expect(cli.output()).toMatch(/Execute exactly these: BASE_DOMAIN=totogicore\.com npm run orchestrate -- deploy dev --changeset review-\w+ --config /);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("refuses an --image-tag that contradicts the review, and environment values that differ, naming them", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    h.cloud.putImage("alert-engine-dev", "v2");
    const cli = cliHarness(h, config);
    await cli.run(["changeset", "dev", "--image-tag", "v2"]);
    const review = reviewName(cli)!;
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review, "--image-tag", "latest"])).toBe(2);
    expect(cli.output()).toMatch(/--image-tag latest contradicts review-\w+, which was made with image tag v2/);
    expect(await cli.run(["deploy", "dev", "--changeset", review, "--build", "."])).toBe(2);
    expect(cli.output()).toMatch(/--build makes a new image, which no review has seen/);
    const moved = cliHarness(h, writeConfig(h.cloud.account, { dev: { logLevel: "INFO" } }));
    expect(await moved.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(moved.output()).toMatch(/environment values differ from the review's: logLevel/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a reviewed change set that will not be executed is an error, never 'no changes': the stack was updated since", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    h.cloud.putImage("alert-engine-dev", "v2");
    const cli = cliHarness(h, config);
    await cli.run(["changeset", "dev", "--image-tag", "v2"]);
    const review = reviewName(cli)!;
    // Someone deploys v2 the ordinary way meanwhile.
    expect(await cli.run(["deploy", "dev", "--image-tag", "v2"])).toBe(0);
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.output()).toMatch(/alert-engine-backend-dev: not current: the stack was updated since the review/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a refusal found while deploying is not followed by an ECS diagnosis of an operation that never ran", async () => {
    await h.deploy("prod", { env: environmentFrom(config, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { cpu: 2048, memoryMiB: 4096 } }));
    await cli.run(["changeset", "prod"]);
    const review = reviewName(cli)!;
    const before = h.cloud.calls.length;

    const moved = environmentFrom(writeConfig(h.cloud.account, { prod: { cpu: 4096, memoryMiB: 8192 } }), "prod");
    // No watch while deploying: any ECS call could only come from a diagnosis.
    const report = await h.deploy("prod", { env: moved, watchWhileDeploying: undefined, reviewed: { name: review, envName: "prod", check: isReviewedChangeSetCurrent, command: (words: string) => `npm run orchestrate -- ${words}` } });
    const backend = report.results.get("backend")!;
    expect(backend).toMatchObject({ kind: "failed", message: expect.stringMatching(/not current/) });
    expect((backend as { message: string }).message).not.toMatch(/ECS service|stopped|diagnosis/);
    expect(h.cloud.calls.slice(before).filter((c) => c.service === "ECS" || c.service === "ELBv2")).toEqual([]);
  });

  it("executes a review whose settings are the same but were read from another file: where they came from is no setting", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const bigger = { dev: { cpu: 1024, memoryMiB: 2048 } };
    const reviewer = cliHarness(h, writeConfig(h.cloud.account, bigger));
    expect(await reviewer.run(["changeset", "dev"])).toBe(0);
    const review = reviewName(reviewer)!;
    // A colleague deploys the review from their own clone: the same settings, another path.
    const deployer = cliHarness(h, writeConfig(h.cloud.account, bigger));
    const before = h.cloud.calls.length;
    expect(await deployer.run(["deploy", "dev", "--changeset", review]), deployer.output()).toBe(0);
    const executed = mutationsSince(before).filter((c) => c.command === "ExecuteChangeSet");
    expect(executed.map((c) => nameInArn((c.input as { ChangeSetName: string }).ChangeSetName))).toEqual([review]);
  });
});

describe("changeset runs deploy's preflight", () => {
  let h: Harness;
  freshHarnessEachTest((fresh) => (h = fresh));

  it("refuses an image tag that is not in ECR: exit 2, no change set built with the tag", async () => {
    await h.deploy("dev");
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } }));
    const before = h.cloud.calls.length;
    expect(await cli.run(["changeset", "dev", "--image-tag", "not-pushed"])).toBe(2);
    expect(cli.output()).toMatch(/image \S+:not-pushed is not in ECR/);
    expect(h.cloud.calls.slice(before).filter((c) => c.command === "CreateChangeSet")).toEqual([]);
  });

  it.each([["deploy"], ["changeset"]])("%s refuses an image tag that is not a Docker tag, without looking it up in ECR", async (verb) => {
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run([verb, "dev", "--image-tag", "v2:bad/tag"])).toBe(2);
    expect(cli.output()).toMatch(/image tag "v2:bad\/tag" is not a valid Docker tag/);
    expect(cli.output()).not.toMatch(/push it|docker push/);
    expect(h.cloud.calls.filter((c) => c.service === "ECR")).toEqual([]);
  });
});
