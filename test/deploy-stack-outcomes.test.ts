/**
 * What one stack's deploy ends with and says on the way (deploy-stack.ts), driven end to end against the
 * fake cloud: the note naming what differs, a refused approval of a change set or of termination protection
 * alone, the protection notes, an update that outlasts the operation bound, and a Ctrl-C while it is followed.
 */
import { describe, expect, it } from "vitest";
import type { ChangeSetReview } from "../src/orchestrator/deploy/deploy-context.js";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { protectionLowerings } from "../src/orchestrator/protection.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { DEFAULT_POLL } from "../src/orchestrator/watch.js";
import { stackDefinition } from "../src/templates/index.js";
import { defaultResourceMs } from "./support/fake-cloud/index.js";
import type { StackRecord } from "./support/fake-cloud.js";
import { deployHarness, freshHarnessEachTest, nameInArn, type Harness } from "./support/deploy-harness.js";

const name = (stack: string) => `alert-engine-${stack}-dev`;
const callsOn = (h: Harness, command: string, stack: string) =>
  h.cloud.callsOf(command).filter((c) => nameInArn((c.input as { StackName?: string }).StackName ?? "") === stack);
const notesOf = (result: NodeResult | undefined) => (result as { notes?: string[] } | undefined)?.notes ?? [];

/**
 * A Description edited in the console: the deployed template differs from ours, but CreateChangeSet compares
 * resources, parameters, outputs and tags, so CloudFormation answers "didn't contain changes" (see
 * test/deploy-ignored-edits.test.ts).
 */
const editDescription = (stack: StackRecord) => {
  const template = JSON.parse(stack.templateBody) as { Description?: string };
  template.Description = `${template.Description ?? ""} (edited in the console)`;
  stack.templateBody = JSON.stringify(template);
  stack.template = JSON.parse(stack.templateBody) as StackRecord["template"];
};

/** The lowering the CLI computes for a stack whose termination protection the deploy would switch off. */
const protectionOff = (stack: string) =>
  new Map([["storage" as const, protectionLowerings(stackDefinition("storage"), stack, { terminationProtection: true }, { terminationProtection: false })]]);

let h: Harness;

describe("one stack's deploy: what it says and how it ends", () => {
  freshHarnessEachTest((fresh) => (h = fresh));

  it("names everything that differs in one 'changed:' note before it creates the change set", async () => {
    await h.deploy("dev");
    const removed = Object.keys(h.cloud.stack(name("domain"))!.tags)[0]!;
    h.cloud.changeStackBehindOurBack(name("domain"), (stack) => {
      delete stack.tags[removed];
      stack.parameters.LoadBalancerDnsName = "stale.us-east-2.elb.amazonaws.com";
    });
    h.events.length = 0;

    const report = await h.deploy("dev");
    const note = `changed: parameters LoadBalancerDnsName; tags ${removed}`;
    expect(report.results.get("domain")).toMatchObject({ kind: "deployed", action: "update", notes: expect.arrayContaining([note]) });
    const domain = h.events.filter((e) => "node" in e && e.node === "domain");
    const said = domain.findIndex((e) => e.type === "node-message" && e.text === note);
    const creating = domain.findIndex((e) => e.type === "node-progress" && e.status === "creating UPDATE change set");
    expect(said).toBeGreaterThanOrEqual(0);
    expect(creating).toBeGreaterThan(said);
  });

  it("asks about a change set that needs approval, and a 'no' deletes it and changes nothing", async () => {
    await h.deploy("dev");
    const asked: ChangeSetReview[] = [];
    const env = { ...h.environment("dev"), logRetentionDays: 30 };
    const executedBefore = h.cloud.callsOf("ExecuteChangeSet").length;

    const report = await h.deploy("dev", { env, approval: "any-change", approve: async (review) => (asked.push(review), false) });
    const network = asked.find((review) => review.stack === name("network"));
    expect(network?.changes.map((c) => c.ResourceChange?.LogicalResourceId)).toContain("ServiceLogGroup");
    const made = callsOn(h, "CreateChangeSet", name("network")).at(-1)!.input as { ChangeSetName: string };
    expect(network?.changeSetName).toBe(made.ChangeSetName);
    expect(report.results.get("network")).toMatchObject({ kind: "failed", message: "change set not approved; nothing was changed" });
    expect(h.cloud.callsOf("ExecuteChangeSet")).toHaveLength(executedBefore);
    // Deleted as it was refused, not left for the end of the run's clean-up (which reports what it removes).
    expect(callsOn(h, "DeleteChangeSet", name("network")).map((c) => nameInArn((c.input as { ChangeSetName: string }).ChangeSetName))).toEqual([made.ChangeSetName]);
    expect(report.discardedChangeSets).toEqual([]);
    expect(h.cloud.stack(name("network"))!.changeSets.filter((c) => c.name === made.ChangeSetName)).toEqual([]);
  });

  describe("termination protection switched off where CloudFormation finds no changes in a template that differs", () => {
    const protectedAndEdited = async () => {
      await h.deploy("dev");
      h.cloud.changeStackBehindOurBack(name("storage"), (stack) => {
        editDescription(stack);
        stack.terminationProtection = true;
      });
    };

    it("asks about the protection change alone, and a 'no' leaves protection on", async () => {
      await protectedAndEdited();
      const asked: ChangeSetReview[] = [];
      const report = await h.deploy("dev", { lowerings: protectionOff(name("storage")), approval: "broadening", approve: async (review) => (asked.push(review), false) });

      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ stack: name("storage"), changes: [], lowerings: [{ logicalId: name("storage"), change: "termination protection on → off" }] });
      expect(report.results.get("storage")).toMatchObject({ kind: "failed", message: "termination protection change not approved; nothing was changed" });
      expect(h.cloud.stack(name("storage"))!.terminationProtection).toBe(true);
      expect(h.cloud.callsOf("UpdateTerminationProtection")).toEqual([]);
    });

    it("a 'yes' switches it off and says so", async () => {
      await protectedAndEdited();
      const report = await h.deploy("dev", { lowerings: protectionOff(name("storage")), approval: "broadening", approve: async () => true });
      expect(report.results.get("storage")).toMatchObject({ kind: "unchanged" });
      expect(notesOf(report.results.get("storage"))).toContain("termination protection disabled");
      expect(h.cloud.stack(name("storage"))!.terminationProtection).toBe(false);
    });
  });

  it("says it enabled termination protection it put back", async () => {
    await h.deploy("dev");
    const report = await h.deploy("dev", { env: { ...h.environment("dev"), terminationProtection: true } });
    expect(notesOf(report.results.get("storage"))).toContain("termination protection enabled");
    expect(h.cloud.stack(name("storage"))!.terminationProtection).toBe(true);
  });
});

describe("one stack's update of a log group that takes an hour", () => {
  let slow = false;
  const slowLogGroups = () => {
    slow = false;
    return deployHarness({ latency: { resourceMs: (type) => (slow && type === "AWS::Logs::LogGroup" ? 60 * 60_000 : defaultResourceMs(type)) } });
  };
  freshHarnessEachTest((fresh) => (h = fresh), slowLogGroups);
  const longerRetention = () => ({ ...h.environment("dev"), logRetentionDays: 30 });

  it("stops waiting at the operation bound, failing with the status and the bound in minutes", async () => {
    await h.deploy("dev");
    slow = true;
    const report = await h.deploy("dev", { env: longerRetention(), poll: { ...DEFAULT_POLL, operationTimeoutMs: 20 * 60_000 } });
    expect(report.results.get("network")).toMatchObject({ kind: "failed", status: "UPDATE_IN_PROGRESS", message: "still UPDATE_IN_PROGRESS after 20 min; stopped waiting" });
    expect(h.cloud.stack(name("network"))!.status).toBe("UPDATE_IN_PROGRESS");
  });

  it("a Ctrl-C while the update is followed ends the stack as interrupted, not as a failure to follow it", async () => {
    await h.deploy("dev");
    slow = true;
    const ctrlC = new AbortController();
    const report = await h.deploy("dev", {
      env: longerRetention(),
      signal: ctrlC.signal,
      emit: (event: EngineEvent) => {
        h.events.push(event);
        const logGroupUpdating = event.type === "resource-event" && event.node === "network" && event.resourceType === "AWS::Logs::LogGroup" && event.status === "UPDATE_IN_PROGRESS";
        if (logGroupUpdating && !ctrlC.signal.aborted) ctrlC.abort(new Error("Ctrl-C"));
      },
    });
    expect(ctrlC.signal.aborted).toBe(true);
    expect(report.interrupted).toBe(true);
    expect(report.results.get("network")).toMatchObject({ kind: "interrupted" });
    expect(callsOn(h, "ExecuteChangeSet", name("network")).length).toBe(2);
  });
});
