/**
 * What a command says when it refuses for another live deploy's sake (live-runs.ts), and what
 * `changeset --discard NAME` may clear, through the CLI against the fake cloud.
 */
import { CreateChangeSetCommand, ExecuteChangeSetCommand, ListChangeSetsCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEPLOY_CHANGE_SET } from "../src/orchestrator/deploy/live-runs.js";
import { stackDefinition } from "../src/templates/index.js";
import { synthesize } from "../src/templates/stack.js";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
// Loaded up front: each command imports its module when it runs, in real time, while virtual time runs on.
import "../src/cli/changeset-run.js";
import "../src/cli/deploy-run.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";
import { defaultResourceMs } from "./support/fake-cloud/resource-types.js";

let h: Harness;
let config: string;
let cli: Cli;
/** Resources take 10 min from now on: a change set executed then is still executing when the next command runs. */
let slowUpdates = false;
const network = "alert-engine-network-dev";
const storage = "alert-engine-storage-dev";

/** A dev environment deployed once, as every test here starts from. */
async function deployedDev(options?: Parameters<typeof deployHarness>[0]) {
  h = deployHarness(options);
  h.cloud.putImage("alert-engine-dev", "latest");
  config = writeConfig(h.cloud.account);
  cli = cliHarness(h, config);
  expect(await cli.run(["deploy", "dev"])).toBe(0);
}
afterEach(() => {
  h.cloud.restore();
  vi.restoreAllMocks();
});

/** A change set on `stack` as another run (or a person) makes it: the network stack with a longer log retention. */
async function leave(stack: string, name: string, description: string | undefined): Promise<string> {
  const id = stack === network ? "network" : "storage";
  const template = JSON.stringify(synthesize(stackDefinition(id), { ...environmentFrom(config, "dev"), logRetentionDays: 14 }));
  const parameters = Object.entries(h.cloud.stack(stack)!.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
  const made = await h.clients.cloudformation.send(
    new CreateChangeSetCommand({ StackName: stack, ChangeSetName: name, ChangeSetType: "UPDATE", TemplateBody: template, Parameters: parameters, Description: description, Tags: [{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: "dev" }] }),
  );
  return made.Id!;
}

const command = (words: string) => `npm run orchestrate -- ${words} --config ${config}`;

describe("refusing while another deploy of the environment is live", () => {
  beforeEach(async () => {
    slowUpdates = false;
    await deployedDev({ latency: { resourceMs: (type) => (slowUpdates ? 10 * 60_000 : defaultResourceMs(type)) } });
  });

  it("two killed runs: one line per change set, and one pasteable clearing command per run", async () => {
    await leave(network, "orchestrate-20250101T010000000Z", DEPLOY_CHANGE_SET);
    await leave(storage, "orchestrate-20250101T010000000Z", DEPLOY_CHANGE_SET);
    await leave(network, "orchestrate-20250101T020000000Z", DEPLOY_CHANGE_SET);
    await h.cloud.clock.sleep(60_000);
    const mark = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev"])).toBe(2);
    const lines = cli.lastOutput().split("\n");
    expect(lines).toContain("  alert-engine-network-dev: change set orchestrate-20250101T010000000Z (CREATE_COMPLETE, made 1 min ago)");
    expect(lines).toContain("  alert-engine-network-dev: change set orchestrate-20250101T020000000Z (CREATE_COMPLETE, made 1 min ago)");
    // One command per run (a name clears that run's change sets on every stack), each pasteable on its own.
    const clearing = [command("changeset dev --discard orchestrate-20250101T010000000Z"), command("changeset dev --discard orchestrate-20250101T020000000Z")];
    expect(cli.lastOutput()).toContain(`to clear them now: ${clearing.join("; ")}.`);
    expect(h.cloud.calls.slice(mark).filter((c) => c.command === "CreateChangeSet")).toEqual([]);
  });

  it("a run CloudFormation is executing: said so, and no clearing step (there is nothing to clear, only to wait for)", async () => {
    const id = await leave(network, "orchestrate-20250101T010000000Z", DEPLOY_CHANGE_SET);
    await h.cloud.clock.sleep(10_000);
    slowUpdates = true;
    await h.clients.cloudformation.send(new ExecuteChangeSetCommand({ StackName: network, ChangeSetName: id }));
    const mark = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev"])).toBe(2);
    const lines = cli.lastOutput().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^  alert-engine-network-dev: change set orchestrate-20250101T010000000Z \(EXECUTE_IN_PROGRESS, made [^)]+\), CloudFormation is executing it$/));
    expect(lines.at(-1)).toBe(`Wait for it to finish (${command("status dev")}), then run again.`);
    expect(h.cloud.calls.slice(mark).filter((c) => c.command === "CreateChangeSet")).toEqual([]);
  });

  it("cannot list a stack's change sets (no permission): stops before changing anything, rather than assume no other run", async () => {
    h.cloud.mocks.CloudFormation.on(ListChangeSetsCommand).rejects(
      Object.assign(new Error("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:ListChangeSets"), { name: "AccessDenied" }),
    );
    const mark = h.cloud.calls.length;
    expect(await cli.run(["deploy", "dev"])).not.toBe(0);
    expect(cli.lastOutput()).toContain("cloudformation:ListChangeSets");
    expect(h.cloud.calls.slice(mark).filter((c) => c.command === "CreateChangeSet")).toEqual([]);
  });
});

describe("changeset --discard NAME", () => {
  beforeEach(() => deployedDev());

  it("clears a deploy's unexecuted change set, never a person's that happens to bear the name", async () => {
    await leave(network, "hand-made", "made in the console");
    await leave(storage, "hand-made", undefined);
    await leave(network, "orchestrate-20250101T010000000Z", DEPLOY_CHANGE_SET);
    await h.cloud.clock.sleep(10_000);
    const names = (stack: string) => h.cloud.stack(stack)!.changeSets.map((c) => c.name);

    await cli.run(["changeset", "dev", "--discard", "hand-made"]);
    expect(names(network)).toContain("hand-made");
    expect(names(storage)).toContain("hand-made");
    expect(await cli.run(["changeset", "dev", "--discard", "orchestrate-20250101T010000000Z"])).toBe(0);
    expect(names(network)).not.toContain("orchestrate-20250101T010000000Z");
    expect(names(network)).toContain("hand-made");
  });
});
