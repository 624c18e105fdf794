/**
 * Two runs on one environment at once, against one fake cloud in virtual time: neither may delete
 * the other's change sets, the later one refuses naming what it found, and a change set that
 * disappears under a run (another run executed its stack) is explained, not a raw "does not exist".
 */
import { CreateChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CloudFormationApi, type ChangeSetRequest } from "../src/aws/cloudformation.js";
import { stackName, type StackId } from "../src/env/model.js";
import type { DeployReport } from "../src/orchestrator/deploy/deploy.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { EXECUTE_WITHIN_MS } from "../src/orchestrator/deploy/live-runs.js";
import { STACK_IDS, stackDefinition } from "../src/templates/index.js";
import { synthesize } from "../src/templates/stack.js";
import { cliHarness, environmentFrom, writeConfig } from "./support/cli-harness.js";
// Loaded up front: each command imports its module when it runs, in real time, and virtual time runs on
// for the other run meanwhile; preloaded, the second command starts when the test says.
import "../src/cli/changeset-run.js";
import "../src/cli/deploy-run.js";
import "../src/cli/teardown-run.js";
import { changeSetsVanishingOn, deployHarness, FAST_RETRY, type Harness } from "./support/deploy-harness.js";

let h: Harness;
afterEach(() => {
  h.cloud.restore();
  vi.restoreAllMocks();
});

type Failed = Extract<NodeResult, { kind: "failed" }>;
const failed = (report: DeployReport, node: StackId) => report.results.get(node) as Failed;

/** One run's view of CloudFormation that remembers which change sets it made and which it deleted. */
class RecordingApi extends CloudFormationApi {
  readonly made = new Set<string>();
  readonly deleted: string[] = [];
  override async createChangeSet(request: ChangeSetRequest) {
    const created = await super.createChangeSet(request);
    this.made.add(created.changeSetId);
    return created;
  }
  override async deleteChangeSet(stack: string, changeSet: string) {
    this.deleted.push(changeSet);
    return super.deleteChangeSet(stack, changeSet);
  }
}

/** Every change set this run deleted was its own. */
const deletedOnlyItsOwn = (api: RecordingApi) => expect(api.deleted.filter((id) => !api.made.has(id))).toEqual([]);

/**
 * Waits until the first run has made `count` change sets, and resumes in that virtual instant. (Polling in
 * real time let virtual time run on meanwhile, by as much as the machine was slow: with the modules already
 * loaded by an earlier test file, the first run got far enough that the second one's change sets came first.)
 */
async function firstChangeSetsMade(count: number) {
  await h.cloud.answered("CreateChangeSet", count);
  expect(h.cloud.callsOf("CreateChangeSet").length).toBeGreaterThanOrEqual(count);
}

describe("two deploys of one environment started 1.5 s apart", () => {
  it("the CLI: the second refuses before changing anything, naming the first's change sets; the first completes", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const first = cli.run(["deploy", "dev"]);
    await firstChangeSetsMade(3);
    await h.cloud.clock.sleep(1_500);
    const second = await cli.run(["deploy", "dev"]);

    expect(second).toBe(2);
    expect(await first).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/another deploy of dev is running; nothing was changed/);
    expect(out).toMatch(/alert-engine-network-dev: change set orchestrate-\d{8}T\d{9}Z \(\w+, made \d+(\.\d)? s ago\)/);
    expect(out).toMatch(/Wait for it to finish.*npm run orchestrate -- changeset dev --discard orchestrate-\d{8}T\d{9}Z --config \S+/s);
    // Nobody deleted anything: the first run made one change set per stack and executed each, the second made none.
    expect(h.cloud.callsOf("DeleteChangeSet")).toEqual([]);
    expect(h.cloud.callsOf("CreateChangeSet")).toHaveLength(STACK_IDS.length);
    for (const id of STACK_IDS) expect(h.cloud.stack(stackName(h.environment("dev"), id))?.status).toBe("CREATE_COMPLETE");
  });

  it("the engine, both past any pre-check: the later one yields on every stack it shares, deletes only its own, the earlier one completes", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    const early = new RecordingApi(h.clients.cloudformation, FAST_RETRY);
    const late = new RecordingApi(h.clients.cloudformation, FAST_RETRY);
    const first = h.deploy("dev", { cfn: early });
    await firstChangeSetsMade(3);
    await h.cloud.clock.sleep(1_500);
    const second = await h.deploy("dev", { cfn: late });
    const report = await first;

    expect([...report.results].filter(([, r]) => r.kind !== "deployed"), "the earlier run").toEqual([]);
    for (const id of ["network", "storage", "auth"] as const) {
      expect(failed(second, id).message).toMatch(
        new RegExp(`another deploy is live on ${stackName(env, id)}: its change set orchestrate-\\d{8}T\\d{9}Z \\(\\w+, made \\d+(\\.\\d)? s ago\\) came first; ours was removed, nothing of ours ran`),
      );
    }
    for (const id of ["backend", "domain"] as const) expect(second.results.get(id)?.kind).toBe("skipped");
    deletedOnlyItsOwn(early);
    deletedOnlyItsOwn(late);
    expect(early.deleted).toEqual([]);
    for (const id of STACK_IDS) {
      const stack = h.cloud.stack(stackName(env, id))!;
      expect(stack.status).toBe("CREATE_COMPLETE");
      expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => (c.input as { StackName: string }).StackName === stack.name)).toHaveLength(1);
    }
  });

  it("a change set that disappears under a run (another run executed that stack) is explained, not a raw 'does not exist'", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    const network = stackName(env, "network");
    const cfn = changeSetsVanishingOn(h, network);
    const report = await h.deploy("dev", { cfn });

    const message = failed(report, "network").message;
    expect(message).toMatch(/change set orchestrate-\d{8}T\d{9}Z disappeared from alert-engine-network-dev before we executed it: another run.*executed a change set there.*nothing of ours ran; run the deploy again/);
    expect(message).not.toMatch(/does not exist/);
    expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => (c.input as { StackName: string }).StackName === network)).toEqual([]);
  });
});

describe("two deploys 10 ms apart, with 40 ms per API call", () => {
  it("each lists after the other has made its change set: only the later yields, the earlier goes ahead", async () => {
    h = deployHarness({ latency: { apiMs: 40 } });
    const env = h.environment("dev");
    const [early, late] = [new RecordingApi(h.clients.cloudformation, FAST_RETRY), new RecordingApi(h.clients.cloudformation, FAST_RETRY)];
    const first = h.deploy("dev", { cfn: early });
    await h.cloud.clock.sleep(10);
    const [a, b] = await Promise.all([first, h.deploy("dev", { cfn: late })]);

    // The earlier run's list came after the later run's CreateChangeSet: it saw it, and went ahead anyway.
    const network = stackName(env, "network");
    const onNetwork = h.cloud.calls.filter((c) => (c.input as { StackName?: string }).StackName === network);
    const [firstList] = onNetwork.filter((c) => c.command === "ListChangeSets");
    expect(onNetwork.filter((c) => c.command === "CreateChangeSet").every((c) => c.at < firstList!.at)).toBe(true);
    expect(onNetwork.filter((c) => c.command === "CreateChangeSet")).toHaveLength(2);

    expect([...a.results].filter(([, r]) => r.kind !== "deployed"), "the earlier run").toEqual([]);
    for (const id of ["network", "storage", "auth"] as const) expect(failed(b, id).message).toMatch(/^another deploy is live on .*came first; ours was removed, nothing of ours ran/);
    deletedOnlyItsOwn(early);
    deletedOnlyItsOwn(late);
    for (const id of STACK_IDS) expect(h.cloud.stack(stackName(env, id))?.status).toBe("CREATE_COMPLETE");
  });
});

describe("refusals for another run's sake", () => {
  it("are not followed by an ECS diagnosis of an operation CloudFormation never ran", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const env = { ...h.environment("dev"), cpu: 1024, memoryMiB: 2048 };
    const backend = stackName(env, "backend");
    const cfn = changeSetsVanishingOn(h, backend);
    const report = await h.deploy("dev", { env, cfn });

    expect(failed(report, "backend").message).toMatch(/^change set orchestrate-\d{8}T\d{9}Z disappeared from alert-engine-backend-dev before we executed it: [^\n]*run the deploy again to compare against the stack as it is now$/);
  });
});

describe("a run killed with its change sets unexecuted", () => {
  it("the next deploy refuses naming them; the documented clearing step (changeset --discard NAME) lets it through", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const config = writeConfig(h.cloud.account);
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    // What a killed deploy leaves: an update change set of its own, never executed, plus a review nobody must lose.
    const network = stackName(h.environment("dev"), "network");
    const template = JSON.stringify(synthesize(stackDefinition("network"), { ...environmentFrom(config, "dev"), logRetentionDays: 14 }));
    const leave = (ChangeSetName: string, Description: string) =>
      h.clients.cloudformation.send(new CreateChangeSetCommand({ StackName: network, ChangeSetName, ChangeSetType: "UPDATE", TemplateBody: template, Description, Tags: [{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: "dev" }] }));
    await leave("orchestrate-20250101T010000000Z", "created by orchestrate deploy");
    await leave("review-20250101T010000Z", "orchestrate changeset review-20250101T010000Z");
    await h.cloud.clock.sleep(60_000);

    expect(await cli.run(["deploy", "dev"])).toBe(2);
    expect(cli.output()).toMatch(/alert-engine-network-dev: change set orchestrate-20250101T010000000Z \(CREATE_COMPLETE, made 1 min ago\)/);
    expect(cli.output()).not.toMatch(/review-20250101T010000Z \(/);
    // Printed as it can be pasted: the npm script, with the --config this run used.
    const clearing = `npm run orchestrate -- changeset dev --discard orchestrate-20250101T010000000Z --config ${config}`;
    expect(cli.output()).toContain(`to clear them now: ${clearing}.`);
    expect(cli.output()).toContain(`Wait for it to finish (npm run orchestrate -- status dev --config ${config})`);
    expect(h.cloud.callsOf("DeleteChangeSet")).toEqual([]);

    expect(await cli.run(clearing.replace("npm run orchestrate -- ", "").split(" "))).toBe(0);
    expect(cli.output()).toContain(`deleted orchestrate-20250101T010000000Z on ${network}`);
    expect(h.cloud.stack(network)!.changeSets.map((c) => c.name)).toContain("review-20250101T010000Z");
    expect(await cli.run(["deploy", "dev"])).toBe(0);
  });
});

describe("an approval answered after the bound", () => {
  it("is refused, not executed: past it, other runs may already count the change set abandoned", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const env = { ...h.environment("dev"), logRetentionDays: 14 };
    const mark = h.cloud.calls.length;
    const report = await h.deploy("dev", {
      env,
      approval: "any-change",
      approve: async () => {
        await h.cloud.clock.sleep(EXECUTE_WITHIN_MS + 60_000); // the person was away
        return true;
      },
    });

    expect(failed(report, "network").message).toMatch(
      /change set orchestrate-\d{8}T\d{9}Z was ready to execute only after 1 h 1 min \(the approval waited that long\); a deploy executes its change set within 1 h or never.*nothing was executed; run the deploy again/,
    );
    expect(h.cloud.calls.slice(mark).filter((c) => c.command === "ExecuteChangeSet")).toEqual([]);
    expect(h.cloud.stack(stackName(env, "network"))!.changeSets.filter((c) => c.executionStatus === "AVAILABLE")).toEqual([]);
  });
});

describe("teardown and review while a deploy is live", () => {
  it.each([
    ["teardown", ["teardown", "dev", "--yes"], "tear down"],
    ["changeset", ["changeset", "dev"], "review"],
  ])("%s refuses (exit 2) naming the deploy's change sets; the deploy completes", async (_, argv, verb) => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const deploying = cli.run(["deploy", "dev"]);
    await firstChangeSetsMade(3);
    await h.cloud.clock.sleep(1_500);
    const mark = h.cloud.calls.length;
    const refused = await cli.run(argv);
    const itsCalls = h.cloud.calls.slice(mark);

    expect(refused).toBe(2);
    expect(await deploying).toBe(0);
    expect(cli.output()).toMatch(new RegExp(`another deploy of dev is running; nothing was changed \\(refusing to ${verb} dev alongside it\\)`));
    expect(cli.output()).toMatch(/alert-engine-network-dev: change set orchestrate-\d{8}T\d{9}Z \(\w+, made \d+(\.\d)? s ago\)/);
    const mutating = new Set(h.cloud.mutatingCalls());
    expect(itsCalls.filter((c) => mutating.has(c) && /ChangeSet|Stack|Termination|Bucket|Objects/.test(c.command) && c.command !== "ExecuteChangeSet")).toEqual([]);
    for (const id of STACK_IDS) expect(h.cloud.stack(stackName(h.environment("dev"), id))?.status).toBe("CREATE_COMPLETE");
  });
});

describe("two deploys started in the same instant", () => {
  it("share a change set name: the one whose CreateChangeSet came second is told so, deletes nothing, and the other completes", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    const [a, b] = [new RecordingApi(h.clients.cloudformation, FAST_RETRY), new RecordingApi(h.clients.cloudformation, FAST_RETRY)];
    const reports = await Promise.all([h.deploy("dev", { cfn: a }), h.deploy("dev", { cfn: b })]);

    const complete = reports.filter((r) => [...r.results.values()].every((x) => x.kind === "deployed"));
    expect(complete).toHaveLength(1);
    const other = reports.find((r) => r !== complete[0])!;
    for (const id of ["network", "storage", "auth"] as const) {
      expect(failed(other, id).message).toMatch(
        new RegExp(`another deploy started in the same instant already made change set orchestrate-\\d{8}T\\d{9}Z on ${stackName(env, id)}; nothing of ours was made or ran\\. Wait for that run to finish, then deploy again`),
      );
    }
    deletedOnlyItsOwn(a);
    deletedOnlyItsOwn(b);
    for (const id of STACK_IDS) expect(h.cloud.stack(stackName(env, id))?.status).toBe("CREATE_COMPLETE");
  });
});
