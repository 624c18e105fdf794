/**
 * Two runs on one environment at once, against one fake cloud in virtual time: neither may delete
 * the other's change sets, the later one refuses naming what it found, and a change set that
 * disappears under a run (another run executed its stack) is explained, not a raw "does not exist".
 */
import { DeleteChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CloudFormationApi, type ChangeSetRequest } from "../src/aws/cloudformation.js";
import { stackName, type StackId } from "../src/env/model.js";
import type { DeployReport } from "../src/orchestrator/deploy.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { STACK_IDS } from "../src/templates/index.js";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, FAST_RETRY, type Harness } from "./support/deploy-harness.js";

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
 * Waits (in real time, letting virtual time run only as the run sleeps) until the first run has made
 * `count` change sets: the CLI loads its modules in real time, during which no virtual time passes for it.
 */
async function firstChangeSetsMade(count: number) {
  for (let i = 0; i < 2_000 && h.cloud.callsOf("CreateChangeSet").length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
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
    const mark = h.cloud.calls.length;
    const second = await cli.run(["deploy", "dev"]);

    expect(second).toBe(2);
    const secondsCalls = h.cloud.calls.slice(mark, h.cloud.calls.length);
    expect(await first).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/another deploy of dev is running; nothing was changed/);
    expect(out).toMatch(/alert-engine-network-dev: change set orchestrate-\d{8}T\d{9}Z \(\w+, made \d+(\.\d)? s ago\)/);
    expect(out).toMatch(/Wait for it to finish.*orchestrate changeset dev --discard orchestrate-\d{8}T\d{9}Z/s);
    // Nobody deleted anything: the first run executed every change set it made, the second made none.
    expect(h.cloud.callsOf("DeleteChangeSet")).toEqual([]);
    expect(h.cloud.callsOf("CreateChangeSet")).toHaveLength(STACK_IDS.length);
    expect(secondsCalls.filter((c) => c.command === "CreateChangeSet")).toEqual([]);
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
        new RegExp(`another deploy is live on ${stackName(env, id)}: its change set orchestrate-\\d{8}T\\d{9}Z \\(\\w+, made 1\\.5 s ago\\) came first; ours was removed, nothing of ours ran`),
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
    const raw = h.clients.cloudformation;
    const cfn = new (class extends CloudFormationApi {
      override async createChangeSet(request: ChangeSetRequest) {
        const created = await super.createChangeSet(request);
        // Another run executes its change set on the stack: CloudFormation deletes every other one, ours too.
        if (request.stackName === network) await raw.send(new DeleteChangeSetCommand({ StackName: network, ChangeSetName: created.changeSetId }));
        return created;
      }
    })(raw, FAST_RETRY);
    const report = await h.deploy("dev", { cfn });

    const message = failed(report, "network").message;
    expect(message).toMatch(/change set orchestrate-\d{8}T\d{9}Z disappeared from alert-engine-network-dev before we executed it: another run.*executed a change set there.*nothing of ours ran; run the deploy again/);
    expect(message).not.toMatch(/does not exist/);
    expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => (c.input as { StackName: string }).StackName === network)).toEqual([]);
  });
});
