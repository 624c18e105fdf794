/**
 * While the backend stack creates or updates its ECS service, the engine looks at the service every few seconds
 * and reports its newest deployment's rollout (node-service events), against the stateful fake ECS in virtual time.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

type Look = Extract<EngineEvent, { type: "node-service" }>;
const LOOK_EVERY_MS = 5_000;

const looksOf = (events: EngineEvent[]) => events.filter((e): e is Look => e.type === "node-service" && e.node === "backend");
/** The rollout as a person reads it, each change once: `0/1 IN_PROGRESS`, `1/1 COMPLETED`. */
const changes = (looks: Look[]) => looks.map((l) => `${l.running}/${l.desired} ${l.rolloutState}`).filter((s, i, all) => s !== all[i - 1]);
const serviceEvents = (events: EngineEvent[]) => events.filter((e) => e.type === "resource-event" && e.node === "backend" && e.resourceType === "AWS::ECS::Service");
const describeServicesAt = (h: Harness) => h.cloud.callsOf("DescribeServices").map((c) => c.at);
const finishedAt = (events: EngineEvent[]) => events.find((e) => e.type === "node-finished" && e.node === "backend")!.at;

describe("the service's rollout while the backend stack deploys", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("an update shows the new deployment rolling out, 0/1 → 1/1 and IN_PROGRESS → COMPLETED, in order", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.events.length = 0;
    const callsBefore = h.cloud.callsOf("DescribeServices").length;

    const report = await h.deploy("dev", { env: { ...h.environment("dev"), imageTag: "v2" } });
    expect(report.results.get("backend")).toMatchObject({ kind: "deployed", action: "update" });

    const looks = looksOf(h.events);
    // The new PRIMARY (this update's), not the old deployment that was already 1/1 COMPLETED.
    expect(changes(looks)[0]).toBe("0/1 IN_PROGRESS");
    expect(changes(looks).at(-1)).toBe("1/1 COMPLETED");
    expect(changes(looks)).toContain("1/1 IN_PROGRESS");
    const running = looks.map((l) => l.running);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    // One rollout: every look dates it from the moment the first look saw it.
    expect(new Set(looks.map((l) => l.rolloutSince))).toEqual(new Set([looks[0]!.at]));
    // Shown while CloudFormation works on the service, the final state before the stack's end.
    const [inProgress] = serviceEvents(h.events);
    expect(inProgress).toMatchObject({ status: "UPDATE_IN_PROGRESS" });
    expect(looks[0]!.at - inProgress!.at).toBeLessThanOrEqual(LOOK_EVERY_MS);
    expect(looks.at(-1)!.at).toBeLessThanOrEqual(finishedAt(h.events));

    // One DescribeServices per look, a look every 5 s while the service resource is in progress.
    const calls = h.cloud.callsOf("DescribeServices").slice(callsBefore);
    expect(calls).toHaveLength(looks.length);
    const serviceEnd = serviceEvents(h.events).find((e) => e.type === "resource-event" && e.status === "UPDATE_COMPLETE")!.at;
    expect(looks.length).toBeLessThanOrEqual(Math.ceil((serviceEnd - inProgress!.at) / LOOK_EVERY_MS) + 2);
  });

  it("a create looks at ECS only once CloudFormation is creating the service, and stops when the stack settles", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const [creating] = serviceEvents(h.events);
    expect(creating).toMatchObject({ status: "CREATE_IN_PROGRESS" });
    const calls = describeServicesAt(h);
    expect(calls.length).toBeGreaterThan(0);
    expect(Math.min(...calls)).toBeGreaterThanOrEqual(creating!.at);
    expect(changes(looksOf(h.events)).at(-1)).toBe("1/1 COMPLETED");

    const after = calls.length;
    await h.cloud.clock.sleep(10 * 60_000);
    expect(describeServicesAt(h)).toHaveLength(after);
  });

  it("an unchanged backend makes no look at all", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const before = describeServicesAt(h).length;
    h.events.length = 0;
    await h.deploy("dev");
    expect(looksOf(h.events)).toEqual([]);
    expect(describeServicesAt(h)).toHaveLength(before);
  });

  it("Ctrl-C during the rollout ends the looks", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const interrupt = new AbortController();
    let abortedAt = 0;
    await h.deploy("dev", {
      env: { ...h.environment("dev"), imageTag: "v2" },
      signal: interrupt.signal,
      emit: (event) => {
        h.events.push(event);
        if (!abortedAt && event.type === "node-service") {
          abortedAt = event.at;
          interrupt.abort(new Error("Ctrl-C"));
        }
      },
    });
    expect(abortedAt).toBeGreaterThan(0);
    await h.cloud.clock.sleep(10 * 60_000);
    expect(describeServicesAt(h).filter((at) => at > abortedAt)).toEqual([]);
  });

  it("a rollout whose tasks crash: the crash's cause told once while deploying, then the circuit breaker's rollback rolling out", async () => {
    h = deployHarness();
    const dev = () => ({ ...h.environment("dev"), circuitBreaker: true });
    await h.deploy("dev", { env: dev() });
    h.events.length = 0;
    const { digest } = h.cloud.putImage("alert-engine-dev", "v2");
    h.cloud.imageTrouble(digest, { stoppedReason: "Essential container in task exited", exitCode: 1 });
    const report = await h.deploy("dev", { env: { ...dev(), imageTag: "v2" } });
    expect(report.results.get("backend")).toMatchObject({ kind: "failed", rootCause: { logicalId: "Service" } });

    const looks = looksOf(h.events);
    expect(changes(looks)[0]).toBe("0/1 IN_PROGRESS");
    // The breaker's rollback makes the old deployment PRIMARY again: its rollout has its own start, and gets the task running.
    const rollouts = [...new Set(looks.map((l) => l.rolloutSince))];
    expect(rollouts).toHaveLength(2);
    const rollback = looks.filter((l) => l.rolloutSince === rollouts[1]);
    expect(changes(rollback)[0]).toBe("0/1 IN_PROGRESS");
    expect(rollback.at(-1)).toMatchObject({ running: 1, desired: 1 });
    const told = h.events.filter((e) => e.type === "node-message" && e.node === "backend" && e.text.startsWith("while deploying:"));
    expect(told).toHaveLength(1);
    expect((told[0] as { text: string }).text).toMatch(/stopped task.*Essential container in task exited.*exit code 1/);
  });
  it("a crash loop CloudFormation keeps waiting on (dev: no circuit breaker) is looked at every 5 s for 5 min, then every 30 s", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.events.length = 0;
    const { digest } = h.cloud.putImage("alert-engine-dev", "v2");
    h.cloud.imageTrouble(digest, { stoppedReason: "Essential container in task exited", exitCode: 1 });
    const interrupt = new AbortController();
    const callsBefore = h.cloud.callsOf("DescribeServices").length;
    let inProgressAt = 0;
    await h.deploy("dev", {
      env: { ...h.environment("dev"), imageTag: "v2" },
      signal: interrupt.signal,
      emit: (event) => {
        h.events.push(event);
        if (!inProgressAt && event.type === "resource-event" && event.node === "backend" && event.resourceType === "AWS::ECS::Service" && event.status === "UPDATE_IN_PROGRESS") {
          inProgressAt = event.at;
          void h.cloud.clock.sleep(30 * 60_000).then(() => interrupt.abort(new Error("Ctrl-C")));
        }
      },
    });
    const looksAt = looksOf(h.events).map((l) => l.at - inProgressAt);
    expect(h.cloud.callsOf("DescribeServices").length - callsBefore).toBeGreaterThanOrEqual(looksAt.length);
    const gaps = looksAt.slice(1).map((at, i) => at - looksAt[i]!);
    const early = gaps.filter((_, i) => looksAt[i + 1]! <= 5 * 60_000);
    const late = gaps.filter((_, i) => looksAt[i]! >= 6 * 60_000);
    expect(Math.max(...early)).toBeLessThanOrEqual(LOOK_EVERY_MS);
    expect(late.length).toBeGreaterThan(0);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(30_000);
    // 30 minutes of a crash loop: about 60 looks in the first 5 minutes and 50 after, not 360.
    expect(looksAt.length).toBeLessThanOrEqual(120);
  });
});
