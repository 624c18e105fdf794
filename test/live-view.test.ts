/**
 * The live view on a terminal, driven by engine events and a fake clock. listr2's "test" renderer writes each
 * title change as a JSON line to a stream we hold, so what a person would see is read without a terminal.
 */
import { Writable } from "node:stream";
import { ListrLogger, ProcessOutput } from "listr2";
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { listrRenderer } from "../src/render/listr.js";

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
type WithoutTime<E> = E extends unknown ? Omit<E, "at"> : never;
/** listr starts its tasks a few turns of the event loop after run(). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function screen() {
  const written: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (written.push(String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
  let time = T0;
  let tick: (() => void) | undefined;
  let ticking = false;
  const printed: string[] = [];
  const view = listrRenderer(["certificate", "network", "backend"], {
    now: () => time,
    every: (ms, fn) => {
      expect(ms).toBe(1000);
      tick = fn;
      ticking = true;
      return () => void (ticking = false);
    },
    print: (line) => void (written.push(`PRINT ${line}\n`), printed.push(line)),
    listr: { renderer: "test", rendererOptions: { title: true, state: true, logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }) } },
  });
  const titles = () =>
    written.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { event: string; data: string }).filter((e) => e.event === "TITLE").map((e) => e.data);
  return {
    view,
    written,
    printed,
    titles,
    /** The latest title of the line that starts with `prefix`. */
    line: (prefix: string) => titles().filter((t) => t.startsWith(prefix)).at(-1),
    advance: async (ms: number) => {
      await settle();
      time += ms;
      tick?.();
    },
    emit: (event: WithoutTime<EngineEvent>) => view.sink({ ...event, at: time } as EngineEvent),
    get ticking() {
      return ticking;
    },
  };
}

const finish = (s: ReturnType<typeof screen>) => {
  for (const node of ["certificate", "network", "backend"] as const) {
    s.emit({ type: "node-finished", node, result: { kind: "unchanged", outputs: {}, durationMs: 1000 } });
  }
};

describe("the live view", () => {
  it("each running stack shows its elapsed time, ticking every second, and the last line the run's total", async () => {
    const s = screen();
    s.emit({ type: "node-started", node: "network" });
    s.emit({ type: "node-progress", node: "network", status: "CREATE_IN_PROGRESS", done: 3, total: 30, current: "AWS::EC2::Subnet" });
    await s.advance(1000);
    expect(s.line("network")).toBe("network         1s  CREATE_IN_PROGRESS  3/30  AWS::EC2::Subnet");
    await s.advance(64_000);
    expect(s.line("network")).toBe("network      1m05s  CREATE_IN_PROGRESS  3/30  AWS::EC2::Subnet");
    expect(s.line("backend")).toBe("backend             waiting");
    expect(s.line("total")).toBe("total        1m05s  0/3 done");

    s.emit({ type: "node-finished", node: "network", result: { kind: "deployed", action: "create", outputs: {}, durationMs: 65_000 } });
    await s.advance(5_000);
    // A finished line stops ticking: it says what happened and how long it took.
    expect(s.line("network")).toBe("network     created in 1m05s");
    expect(s.line("total")).toBe("total        1m10s  1/3 done");

    finish(s);
    await s.view.done;
    expect(s.ticking).toBe(false);
  });

  it("the certificate's wait ticks every second between its 15-second polls", async () => {
    const s = screen();
    s.emit({ type: "node-started", node: "certificate" });
    s.emit({ type: "node-progress", node: "certificate", status: "PENDING_VALIDATION", current: "for CNAME _x.api.", waitingSince: T0 });
    const waits: string[] = [];
    for (let second = 1; second <= 3; second++) {
      await s.advance(1000);
      waits.push(s.line("certificate")!);
    }
    expect(waits).toEqual([
      "certificate     1s  PENDING_VALIDATION  waiting 1s for CNAME _x.api.",
      "certificate     2s  PENDING_VALIDATION  waiting 2s for CNAME _x.api.",
      "certificate     3s  PENDING_VALIDATION  waiting 3s for CNAME _x.api.",
    ]);
    finish(s);
    await s.view.done;
  });

  it("the backend's line shows the ECS rollout in place of the resource count, its time ticking every second", async () => {
    const s = screen();
    s.emit({ type: "node-started", node: "backend" });
    s.emit({ type: "node-progress", node: "backend", status: "UPDATE_IN_PROGRESS", done: 1, total: 2, current: "AWS::ECS::Service" });
    await s.advance(5_000);
    s.emit({ type: "node-service", node: "backend", running: 0, desired: 2, pending: 2, rolloutState: "IN_PROGRESS", rolloutSince: T0 + 5_000 });
    await s.advance(1_000);
    expect(s.line("backend")).toBe("backend         6s  UPDATE_IN_PROGRESS  service 0/2 running, 2 pending, rollout IN_PROGRESS, 1s");
    await s.advance(1_000);
    expect(s.line("backend")).toBe("backend         7s  UPDATE_IN_PROGRESS  service 0/2 running, 2 pending, rollout IN_PROGRESS, 2s");
    await s.advance(70_000);
    s.emit({ type: "node-service", node: "backend", running: 1, desired: 2, pending: 1, rolloutState: "IN_PROGRESS", rolloutSince: T0 + 5_000 });
    await s.advance(0);
    expect(s.line("backend")).toBe("backend      1m17s  UPDATE_IN_PROGRESS  service 1/2 running, 1 pending, rollout IN_PROGRESS, 1m12s");
    finish(s);
    await s.view.done;
  });

  it("a failure's line says FAILED and its time; the cause is left to the summary, said once", async () => {
    const s = screen();
    s.emit({ type: "node-started", node: "backend" });
    await s.advance(30_000);
    const rootCause = { stack: "alert-engine-backend-dev", logicalId: "Service", resourceType: "AWS::ECS::Service", reason: "Service did not stabilize" };
    s.emit({ type: "node-finished", node: "backend", result: { kind: "failed", message: "create failed (ROLLBACK_COMPLETE)", durationMs: 30_000, rootCause, evidence: ["1 stopped task: exit code 1"] } });
    s.emit({ type: "node-finished", node: "certificate", result: { kind: "unchanged", outputs: {}, durationMs: 1 } });
    s.emit({ type: "node-finished", node: "network", result: { kind: "unchanged", outputs: {}, durationMs: 1 } });
    await s.view.done;
    expect(s.line("backend")).toBe("backend     FAILED after 30.0s: create failed (ROLLBACK_COMPLETE)");
    // listr marks it failed (its error text is the line itself), so the terminal shows a failure, not a tick.
    const states = s.written.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { event: string; data: string; task?: { title?: string } });
    expect(states.filter((e) => e.event === "STATE" && e.task?.title?.startsWith("backend")).map((e) => e.data)).toContain("FAILED");
    expect(s.written.join("")).not.toMatch(/did not stabilize|exit code 1/);
  });
});

describe("approval on the live view", () => {
  it("pauses the view (a snapshot stays on screen), asks, and resumes with what happened meanwhile", async () => {
    const s = screen();
    s.emit({ type: "node-started", node: "network" });
    s.emit({ type: "node-started", node: "certificate" });
    await s.advance(10_000);
    let titlesWhilePaused = -1;
    const answer = await s.view.pause(async () => {
      const before = s.titles().length;
      s.written.push("QUESTION\n");
      // The other stacks carry on while the person reads: their events reach the view but nothing is drawn.
      s.emit({ type: "node-progress", node: "network", status: "CREATE_IN_PROGRESS", done: 9, total: 30 });
      await s.advance(20_000);
      titlesWhilePaused = s.titles().length - before;
      return "y";
    });
    expect(answer).toBe("y");
    expect(titlesWhilePaused).toBe(0);
    // The snapshot printed before the question shows where each stack stood.
    expect(s.printed).toEqual(["certificate    10s  starting", "network        10s  starting", "backend             waiting", "total          10s  0/3 done"]);
    expect(s.written.join("").indexOf("PRINT total")).toBeLessThan(s.written.join("").indexOf("QUESTION"));

    await s.advance(1000);
    // Resumed: a new frame, with the progress made during the pause and the time ticking on.
    expect(s.line("network")).toBe("network        31s  CREATE_IN_PROGRESS  9/30");
    expect(s.ticking).toBe(true);
    finish(s);
    await s.view.done;
    expect(s.ticking).toBe(false);
  });

  it("a run that finishes during the question does not draw again", async () => {
    const s = screen();
    s.emit({ type: "node-started", node: "backend" });
    await s.advance(1000);
    const drawn = s.titles().length;
    await s.view.pause(async () => finish(s));
    await s.view.done;
    await s.advance(1000);
    expect(s.titles().length).toBe(drawn);
    expect(s.ticking).toBe(false);
  });
});
