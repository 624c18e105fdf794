/** Time as the engine sees it: injectable so tests and the bench run whole deploys in virtual time. */
export interface Clock {
  now(): number;
  /** `signal`: the sleep may be abandoned; a clock with real timers then drops its timer. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // A pending timer keeps Node alive: without clearing it on Ctrl-C, the process would linger after its
  // summary for as long as the interrupted wait had left (15 s in the certificate's poll).
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const drop = () => clearTimeout(timer);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", drop); // one listener per sleep would pile up on the run's signal
        resolve();
      }, ms);
      signal?.addEventListener("abort", drop, { once: true });
    }),
};

/** Sleeps, but wakes early (rejecting with the signal's reason) when the run is interrupted. */
export async function sleepUnlessAborted(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return clock.sleep(ms);
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([clock.sleep(ms, signal), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}
