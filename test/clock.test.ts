import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sleepUnlessAborted, systemClock } from "../src/orchestrator/clock.js";

describe("the system clock", () => {
  afterEach(() => vi.useRealTimers());

  it("drops the timer of an interrupted sleep, so the process can exit at once after Ctrl-C", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = sleepUnlessAborted(systemClock, 15_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error("interrupted"));
    await expect(sleeping).rejects.toThrow("interrupted");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("still sleeps the whole time when nothing interrupts it", async () => {
    vi.useFakeTimers();
    let woke = false;
    const sleeping = sleepUnlessAborted(systemClock, 15_000, new AbortController().signal).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(14_999);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it("leaves no listener behind on the run's signal after a sleep that ends normally", async () => {
    vi.useFakeTimers();
    const signal = new AbortController().signal;
    const added = vi.spyOn(signal, "addEventListener");
    const removed = vi.spyOn(signal, "removeEventListener");
    for (let i = 0; i < 20; i++) {
      const sleeping = sleepUnlessAborted(systemClock, 2_000, signal);
      await vi.advanceTimersByTimeAsync(2_000);
      await sleeping;
    }
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
  });
});

describe("the fake cloud's virtual clock", () => {
  it("a sleep that wakes leaves no listener on the run's signal (a long deploy sleeps thousands of times on one signal)", async () => {
    const { VirtualClock } = await import("./support/fake-cloud/clock.js");
    const clock = new VirtualClock(0);
    const run = new AbortController();
    for (let i = 0; i < 20; i++) await clock.sleep(1_000, run.signal);
    expect(clock.now()).toBe(20_000);
    expect(EventEmitter.getEventListeners(run.signal, "abort")).toHaveLength(0);
  });
});
