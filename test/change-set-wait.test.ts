/**
 * How a deploy waits for CloudFormation to compute its change set: every second for the first ten seconds
 * (most are ready within seconds, and each sits on the critical path), then backing off to one poll every
 * 5 s, and giving up after 15 min. Observed in the fake cloud's call log, in virtual time.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { NodeResult } from "../src/orchestrator/results.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";
import type { CallRecord } from "./support/fake-cloud/index.js";

const NETWORK = "alert-engine-network-dev";
const forStack = (stack: string) => (c: CallRecord) => (c.input as { StackName?: string }).StackName === stack;

/** When, after CreateChangeSet, the deploy asked about the network stack's change set (one entry per poll, not per page). */
function pollOffsets(h: Harness): number[] {
  const created = h.cloud.callsOf("CreateChangeSet").find(forStack(NETWORK))!.at;
  return h.cloud
    .callsOf("DescribeChangeSet")
    .filter(forStack(NETWORK))
    .filter((c) => (c.input as { NextToken?: string }).NextToken === undefined)
    .map((c) => c.at - created);
}

describe("waiting for a change set to be computed", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("polls once a second for the first ten seconds, then less and less often, never more than 5 s apart", async () => {
    h = deployHarness({ changeSetMs: 40_000 });
    const report = await h.deploy("dev");
    expect(report.results.get("network")?.kind).toBe("deployed");

    const offsets = pollOffsets(h);
    const firstReady = offsets.findIndex((at) => at >= 40_000);
    const waiting = offsets.slice(0, firstReady + 1);
    expect(waiting.slice(0, 10)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000]);
    const gaps = waiting.slice(10).map((at, i) => at - waiting[9 + i]!);
    expect(gaps.length).toBeGreaterThan(3);
    for (const [i, gap] of gaps.entries()) {
      expect(gap).toBeGreaterThan(1_000);
      expect(gap).toBeLessThanOrEqual(5_000);
      if (i > 0) expect(gap).toBeGreaterThanOrEqual(gaps[i - 1]!);
    }
    expect(gaps.at(-1)).toBe(5_000);
    // Ready at 40 s is seen within one 5-s poll of it.
    expect(waiting.at(-1)! - 40_000).toBeLessThan(5_000);
  });

  it("gives up after 15 min on a change set CloudFormation never finishes computing, saying which and how long", async () => {
    h = deployHarness({ changeSetMs: 3 * 3_600_000 });
    const report = await h.deploy("dev");

    const network = report.results.get("network") as Extract<NodeResult, { kind: "failed" }>;
    expect(network.kind).toBe("failed");
    expect(network.message).toMatch(/change set \S+ still CREATE_(PENDING|IN_PROGRESS) after 15 min/);
    const offsets = pollOffsets(h);
    // The last poll is the first one past the 15-min bound, at most one 5-s poll after it.
    expect(offsets.at(-1)!).toBeGreaterThan(15 * 60_000);
    expect(offsets.at(-1)!).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    expect(offsets.filter((at) => at > 15 * 60_000)).toHaveLength(1);
  });
});
