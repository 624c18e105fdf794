/** The judgment itself: which deploy change sets belong to a run that may be live, which are provably over. */
import { afterEach, describe, expect, it } from "vitest";
import type { ChangeSetSummary } from "../src/aws/cloudformation.js";
import { stackName } from "../src/env/model.js";
import { ABANDONED_AFTER_MS, age, DEPLOY_CHANGE_SET, EXECUTE_WITHIN_MS, judgeChangeSets } from "../src/orchestrator/deploy/live-runs.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const NOW = Date.UTC(2026, 11, 1, 12);
let next = 0;
const changeSet = (over: Partial<ChangeSetSummary> & { ageMs?: number }): ChangeSetSummary => {
  const { ageMs = 5_000, ...rest } = over;
  next += 1;
  return {
    name: `orchestrate-${next}`,
    id: `arn:aws:cloudformation:us-east-2:123456789012:changeSet/orchestrate-${next}/${next}`,
    status: "CREATE_COMPLETE",
    executionStatus: "AVAILABLE",
    created: new Date(NOW - ageMs),
    description: DEPLOY_CHANGE_SET,
    ...rest,
  };
};
const names = (list: readonly { name: string }[]) => list.map((c) => c.name);

describe("judgeChangeSets", () => {
  it("only deploys' change sets count: a review's, a person's or another tool's are never live and never over", () => {
    const sets = [
      changeSet({ description: `not ${DEPLOY_CHANGE_SET}`, ageMs: 10 * ABANDONED_AFTER_MS }),
      changeSet({ description: "orchestrate changeset review-20261201T100000Z", ageMs: 10 * ABANDONED_AFTER_MS }),
      changeSet({ description: undefined, ageMs: 10 * ABANDONED_AFTER_MS }),
      changeSet({ description: "made in the console" }),
    ];
    expect(judgeChangeSets("s", sets, NOW)).toEqual({ live: [], over: [] });
  });

  it("an unexecuted one is live up to the bound and over past it; the bound itself is still live", () => {
    const young = changeSet({ ageMs: 1_500, status: "CREATE_PENDING", executionStatus: "UNAVAILABLE" });
    const atBound = changeSet({ ageMs: ABANDONED_AFTER_MS });
    const old = changeSet({ ageMs: ABANDONED_AFTER_MS + 1 });
    const oldFailed = changeSet({ ageMs: ABANDONED_AFTER_MS + 1, status: "FAILED", executionStatus: "UNAVAILABLE" });
    const judged = judgeChangeSets("s", [young, atBound, old, oldFailed], NOW);
    expect(names(judged.live)).toEqual([young.name, atBound.name]);
    expect(names(judged.over)).toEqual([old.name, oldFailed.name]);
    expect(judged.live[0]).toMatchObject({ stack: "s", status: "CREATE_PENDING", executing: false, ageMs: 1_500 });
  });

  it("one being executed is live however old; executed, failed and obsolete ones are history", () => {
    const executing = changeSet({ ageMs: 5 * ABANDONED_AFTER_MS, executionStatus: "EXECUTE_IN_PROGRESS" });
    const history = ["EXECUTE_COMPLETE", "EXECUTE_FAILED", "OBSOLETE"].map((executionStatus) => changeSet({ executionStatus, ageMs: 1_000 }));
    const judged = judgeChangeSets("s", [executing, ...history], NOW);
    expect(judged.live).toEqual([expect.objectContaining({ name: executing.name, executing: true, status: "EXECUTE_IN_PROGRESS" })]);
    expect(judged.over).toEqual([]);
  });

  it("without a creation time nothing is proven: live", () => {
    const unknown = changeSet({ created: undefined });
    expect(names(judgeChangeSets("s", [unknown], NOW).live)).toEqual([unknown.name]);
  });

  it("before this run made anything, every live one blocks and none is 'first'", () => {
    expect(judgeChangeSets("s", [changeSet({})], NOW).yieldTo).toBeUndefined();
  });

  it("after making its own: ours gives way to a live one made earlier, never to one made later", () => {
    const earlier = changeSet({ ageMs: 2_000 });
    const ours = changeSet({ ageMs: 500 });
    const later = changeSet({ ageMs: 100 });
    expect(judgeChangeSets("s", [earlier, ours, later], NOW, ours.id).yieldTo?.name).toBe(earlier.name);
    expect(judgeChangeSets("s", [ours, later], NOW, ours.id).yieldTo).toBeUndefined();
    // The earlier run, seeing ours, goes ahead: exactly one of the two yields.
    expect(judgeChangeSets("s", [earlier, ours], NOW, earlier.id).yieldTo).toBeUndefined();
  });

  it("made in the same instant: the smaller name goes first, as both runs see it", () => {
    const a = changeSet({ name: "orchestrate-20261201T120000000Z", ageMs: 1_000 });
    const b = changeSet({ name: "orchestrate-20261201T120000001Z", ageMs: 1_000 });
    expect(judgeChangeSets("s", [a, b], NOW, a.id).yieldTo).toBeUndefined();
    expect(judgeChangeSets("s", [a, b], NOW, b.id).yieldTo?.name).toBe(a.name);
  });

  it("an executing one always wins, even one made after ours; so does anything when ours is already gone", () => {
    const ours = changeSet({ ageMs: 5_000 });
    const executing = changeSet({ ageMs: 1_000, executionStatus: "EXECUTE_IN_PROGRESS" });
    expect(judgeChangeSets("s", [ours, executing], NOW, ours.id).yieldTo?.name).toBe(executing.name);
    const other = changeSet({ ageMs: 1 });
    expect(judgeChangeSets("s", [other], NOW, "arn:gone").yieldTo?.name).toBe(other.name);
  });

  it("ours is never listed among the other runs' change sets", () => {
    const earlier = changeSet({ ageMs: 2_000 });
    const ours = changeSet({ ageMs: 500 });
    expect(names(judgeChangeSets("s", [earlier, ours], NOW, ours.id).live)).toEqual([earlier.name]);
  });

  it("creation time decides before the name, whatever order CloudFormation lists them in", () => {
    // A later run on a machine whose clock is behind names its change set "earlier": AWS's creation time still wins.
    const ours = changeSet({ name: "orchestrate-20261201T120000000Z", ageMs: 1_000 });
    const later = changeSet({ name: "orchestrate-20261201T115959000Z", ageMs: 500 });
    expect(judgeChangeSets("s", [ours, later], NOW, ours.id).yieldTo).toBeUndefined();
    expect(judgeChangeSets("s", [later, ours], NOW, ours.id).yieldTo).toBeUndefined();
    expect(judgeChangeSets("s", [ours, later], NOW, later.id).yieldTo?.name).toBe(ours.name);
    // Each judged by its own creation time, not by whatever else the list holds (here a review's, made long before).
    const review = changeSet({ description: "orchestrate changeset review-20261201T100000Z", ageMs: 3_600_000 });
    expect(judgeChangeSets("s", [review, ours, later], NOW, ours.id).yieldTo).toBeUndefined();
  });

  it("a rival with no creation time counts as made just now: ours, made before it, goes ahead", () => {
    const ours = changeSet({ ageMs: 1_000 });
    const unknown = changeSet({ created: undefined });
    expect(judgeChangeSets("s", [unknown, ours], NOW, ours.id).yieldTo).toBeUndefined();
    expect(judgeChangeSets("s", [unknown, ours], NOW, unknown.id).yieldTo?.name).toBe(ours.name);
  });

  it("when ours is already gone, any live one wins, even one whose creation time is unknown", () => {
    const unknown = changeSet({ created: undefined });
    expect(judgeChangeSets("s", [unknown], NOW, "arn:gone").yieldTo?.name).toBe(unknown.name);
  });

  it("an over one never makes ours give way", () => {
    const ours = changeSet({ ageMs: 1_000 });
    const abandoned = changeSet({ ageMs: ABANDONED_AFTER_MS + 60_000 });
    const judged = judgeChangeSets("s", [abandoned, ours], NOW, ours.id);
    expect(judged.yieldTo).toBeUndefined();
    expect(names(judged.over)).toEqual([abandoned.name]);
  });
});

describe("age", () => {
  it("reads as a person would say it", () => {
    expect([1_500, 59_000, 61_000, 2 * 3_600_000, 2 * 3_600_000 + 5 * 60_000].map(age)).toEqual(["1.5 s", "59 s", "1 min", "2 h", "2 h 5 min"]);
  });
});

describe("the bound on executing, at the engine", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("an approval answered exactly 1 h after the change set was asked for is still in time: executed", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const env = { ...h.environment("dev"), logRetentionDays: 14 };
    const network = stackName(env, "network");
    const mark = h.cloud.calls.length;
    const report = await h.deploy("dev", {
      env,
      approval: "any-change",
      approve: async () => {
        const askedAt = h.cloud.calls.slice(mark).find((c) => c.command === "CreateChangeSet" && (c.input as { StackName: string }).StackName === network)!.at;
        await h.cloud.clock.sleep(askedAt + EXECUTE_WITHIN_MS - h.cloud.clock.now());
        return true;
      },
    });

    expect(report.results.get("network")?.kind).toBe("deployed");
    expect(h.cloud.calls.slice(mark).filter((c) => c.command === "ExecuteChangeSet")).toHaveLength(1);
  });
});
