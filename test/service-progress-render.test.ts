/**
 * The ECS rollout in a stack's progress: one wording (describeServiceProgress) for the live view, the CI lines and
 * the hotswap's rollout line; the live view ticks its elapsed time, CI lines print only a change.
 */
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { LiveState } from "../src/render/live-view.js";
import { plainRenderer } from "../src/render/plain.js";
import { describeServiceProgress } from "../src/render/service-progress.js";

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
type ServiceEvent = Extract<EngineEvent, { type: "node-service" }>;

const service = (at: number, counts: Partial<ServiceEvent> = {}): ServiceEvent => ({
  type: "node-service",
  node: "backend",
  at,
  running: 0,
  desired: 1,
  pending: 1,
  rolloutState: "IN_PROGRESS",
  rolloutSince: T0,
  ...counts,
});

describe("describeServiceProgress", () => {
  it("says running/desired, what is still starting, the rollout's state and how long it has taken", () => {
    expect(describeServiceProgress({ running: 1, desired: 2, pending: 0, rolloutState: "IN_PROGRESS", elapsedMs: 72_000 })).toBe("service 1/2 running, rollout IN_PROGRESS, 1m12s");
    expect(describeServiceProgress({ running: 0, desired: 2, pending: 2, rolloutState: "IN_PROGRESS", elapsedMs: 5_400 })).toBe("service 0/2 running, 2 pending, rollout IN_PROGRESS, 5s");
  });

  it("reads a followRollout snapshot as it is (the hotswap's rollout line)", () => {
    const snapshot = { running: 2, pending: 0, desired: 2, rolloutState: "COMPLETED", newEvents: ["(service x) has reached a steady state."], elapsedMs: 95_000 };
    expect(describeServiceProgress(snapshot)).toBe("service 2/2 running, rollout COMPLETED, 1m35s");
  });
});

describe("the live view's stack line during a rollout", () => {
  it("shows the stack's state and the rollout instead of the resource count, the rollout's time ticking", () => {
    const state = new LiveState(["backend"], T0);
    state.apply({ type: "node-started", node: "backend", at: T0 });
    state.apply({ type: "node-progress", node: "backend", at: T0 + 2_000, status: "UPDATE_IN_PROGRESS", done: 1, total: 2, current: "AWS::ECS::Service" });
    expect(state.title("backend", T0 + 2_000)).toBe("backend         2s  UPDATE_IN_PROGRESS  1/2  AWS::ECS::Service");

    state.apply(service(T0 + 5_000, { running: 1, desired: 2, pending: 1, rolloutSince: T0 + 3_000 }));
    expect(state.title("backend", T0 + 75_000)).toBe("backend      1m15s  UPDATE_IN_PROGRESS  service 1/2 running, 1 pending, rollout IN_PROGRESS, 1m12s");
    // A later CloudFormation event keeps the stack's new state and still shows the rollout.
    state.apply({ type: "node-progress", node: "backend", at: T0 + 80_000, status: "UPDATE_ROLLBACK_IN_PROGRESS", done: 1, total: 2, current: "AWS::ECS::Service" });
    expect(state.title("backend", T0 + 80_000)).toBe("backend      1m20s  UPDATE_ROLLBACK_IN_PROGRESS  service 1/2 running, 1 pending, rollout IN_PROGRESS, 1m17s");
  });

  it("a finished rollout's time stops at the look that saw it finish", () => {
    const state = new LiveState(["backend"], T0);
    state.apply({ type: "node-started", node: "backend", at: T0 });
    state.apply({ type: "node-progress", node: "backend", at: T0, status: "UPDATE_IN_PROGRESS", done: 1, total: 2, current: "AWS::ECS::Service" });
    state.apply(service(T0 + 90_000, { running: 1, desired: 1, pending: 0, rolloutState: "COMPLETED" }));
    expect(state.title("backend", T0 + 100_000)).toBe("backend      1m40s  UPDATE_IN_PROGRESS  service 1/1 running, rollout COMPLETED, 1m30s");
  });

  it("a stop cause said while deploying stays in the line until CloudFormation moves on, not overwritten by the next look", () => {
    const state = new LiveState(["backend"], T0);
    state.apply({ type: "node-started", node: "backend", at: T0 });
    state.apply(service(T0 + 5_000));
    state.apply({ type: "node-message", node: "backend", at: T0 + 60_000, text: "while deploying: 1 stopped task: Essential container in task exited" });
    state.apply(service(T0 + 65_000));
    expect(state.title("backend", T0 + 66_000)).toBe("backend      1m06s  while deploying: 1 stopped task: Essential container in task exited");
    state.apply({ type: "node-progress", node: "backend", at: T0 + 70_000, status: "UPDATE_IN_PROGRESS", done: 1, total: 2, current: "AWS::ECS::Service" });
    expect(state.title("backend", T0 + 70_000)).toBe("backend      1m10s  UPDATE_IN_PROGRESS  service 0/1 running, 1 pending, rollout IN_PROGRESS, 1m10s");
  });
});

describe("CI lines during a rollout", () => {
  const lines = (only?: "all" | "errors") => {
    const written: string[] = [];
    const sink = plainRenderer((line) => void written.push(line), { only });
    return { written, sink };
  };

  it("print the rollout when its counts or state change, not at every look", () => {
    const { written, sink } = lines();
    sink(service(T0 + 5_000));
    sink(service(T0 + 10_000));
    sink(service(T0 + 15_000));
    sink(service(T0 + 45_000, { running: 1, pending: 0 }));
    sink(service(T0 + 50_000, { running: 1, pending: 0 }));
    sink(service(T0 + 95_000, { running: 1, pending: 0, rolloutState: "COMPLETED" }));
    expect(written).toEqual([
      "2026-11-25T09:00:05Z backend     service 0/1 running, 1 pending, rollout IN_PROGRESS, 5s",
      "2026-11-25T09:00:45Z backend     service 1/1 running, rollout IN_PROGRESS, 45s",
      "2026-11-25T09:01:35Z backend     service 1/1 running, rollout COMPLETED, 1m35s",
    ]);
  });

  it("a crash loop's cycle (starting, running, crashed, again) is printed once, then at most every 5 minutes", () => {
    const { written, sink } = lines();
    const cycle = (from: number) => {
      sink(service(from, { running: 0, pending: 1 }));
      sink(service(from + 35_000, { running: 1, pending: 0 }));
      sink(service(from + 40_000, { running: 0, pending: 0 }));
    };
    for (let minute = 0; minute < 6; minute++) cycle(T0 + minute * 60_000);
    expect(written).toEqual([
      "2026-11-25T09:00:00Z backend     service 0/1 running, 1 pending, rollout IN_PROGRESS, 0s",
      "2026-11-25T09:00:35Z backend     service 1/1 running, rollout IN_PROGRESS, 35s",
      "2026-11-25T09:00:40Z backend     service 0/1 running, rollout IN_PROGRESS, 40s",
      "2026-11-25T09:05:00Z backend     service 0/1 running, 1 pending, rollout IN_PROGRESS, 5m00s",
      "2026-11-25T09:05:35Z backend     service 1/1 running, rollout IN_PROGRESS, 5m35s",
      "2026-11-25T09:05:40Z backend     service 0/1 running, rollout IN_PROGRESS, 5m40s",
    ]);
    // A new rollout (the circuit breaker's rollback) is news at once, whatever its counts.
    sink(service(T0 + 6 * 60_000, { running: 0, pending: 1, rolloutSince: T0 + 6 * 60_000 }));
    expect(written.at(-1)).toBe("2026-11-25T09:06:00Z backend     service 0/1 running, 1 pending, rollout IN_PROGRESS, 0s");
  });

  it("errors-only leaves the rollout out (the summary says how it ended)", () => {
    const { written, sink } = lines("errors");
    sink(service(T0 + 5_000));
    sink(service(T0 + 95_000, { running: 1, pending: 0, rolloutState: "COMPLETED" }));
    expect(written).toEqual([]);
  });
});
