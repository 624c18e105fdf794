/**
 * Virtual time. Code under test sleeps through `clock.sleep`; nothing waits on real timers,
 * so a deploy that "takes" twenty minutes finishes in milliseconds and does so deterministically.
 */

/** The clock shape the production code accepts (it declares its own identical interface). */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

interface Sleeper {
  wakeAt: number;
  order: number;
  wake: () => void;
}

/** 2025-01-01T00:00:00Z: a fixed start keeps timestamps in snapshots and messages stable. */
export const DEFAULT_START_TIME = Date.UTC(2025, 0, 1);

export class VirtualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private sequence = 0;
  private pumpScheduled = false;

  constructor(startTime: number = DEFAULT_START_TIME) {
    this.current = startTime;
  }

  now(): number {
    return this.current;
  }

  /**
   * Like the production clock's timers: once `signal` aborts, the sleeper is dropped and never wakes, so an
   * abandoned deadline does not pull virtual time forward after everything else is done.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const wakeAt = this.current + Math.max(0, Number.isFinite(ms) ? ms : 0);
    return new Promise<void>((wake) => {
      if (signal?.aborted) return;
      const drop = () => void (this.sleepers = this.sleepers.filter((s) => s !== sleeper));
      // As the production clock does: a sleep that wakes takes its listener off the run's signal, or a long
      // deploy's thousands of sleeps pile up on it (MaxListenersExceededWarning in every test and the bench).
      const sleeper: Sleeper = { wakeAt, order: this.sequence++, wake: () => (signal?.removeEventListener("abort", drop), wake()) };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", drop, { once: true });
      this.schedulePump();
    });
  }

  /**
   * Jumps forward without anyone sleeping (e.g. "ten minutes later, the operator retries").
   * Sleepers whose time has passed wake on the next pump, never before the jump.
   */
  advance(ms: number): void {
    this.current += Math.max(0, ms);
    if (this.sleepers.length > 0) this.schedulePump();
  }

  /** How many callers are currently asleep; handy to assert a poller really waits. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /**
   * setImmediate runs only after every pending microtask, so all work the awake callers can do
   * (mocked SDK calls resolve as microtasks) is done before time moves on.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.sleepers.length === 0) return;
    const earliest = Math.min(...this.sleepers.map((s) => s.wakeAt));
    this.current = Math.max(this.current, earliest);
    const due = this.sleepers.filter((s) => s.wakeAt <= this.current).sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > this.current);
    for (const sleeper of due) sleeper.wake();
    if (this.sleepers.length > 0) this.schedulePump();
  }
}
