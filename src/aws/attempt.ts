/**
 * One attempt of one AWS call, bounded: it ends with AWS's answer, at its deadline, or at Ctrl-C,
 * whichever comes first. The SDK's HTTP handler has its own timeouts (clients.ts), but they do not cover
 * everything inside `send` (credential providers, a mocked client), so the deadline is enforced here too.
 */

/** AWS (or the endpoint) did not answer in time: the request was abandoned. */
export class AwsTimeoutError extends Error {
  override readonly name = "AwsTimeoutError";
  /** Our own deadline passed (`timeoutMs`), or the SDK handler's: then its error is the cause, quoted when it states no limit. */
  constructor(operation: string, timeoutMs: number);
  constructor(operation: string, timeoutMs: number | undefined, cause: Error);
  constructor(
    readonly operation: string,
    timeoutMs: number | undefined,
    cause?: Error,
  ) {
    const detail = timeoutMs === undefined ? ` (${(cause as Error).message})` : ` within ${formatSeconds(timeoutMs)}`;
    super(`AWS did not answer ${operation}${detail}: check the network, the region (--region) and --endpoint-url if you use one, then rerun`, { cause });
  }
}

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** Sleeps `ms`; once `signal` aborts, the timer is dropped and the promise never settles. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => clearTimeout(timer));
  });

export interface AttemptLimits {
  /** The operation's name, e.g. "DescribeStackEvents", for the timeout message. */
  readonly operation: string;
  readonly timeoutMs: number;
  /** Ctrl-C: abandons the attempt at once (its answer no longer matters to a run that is stopping). */
  readonly interruption?: AbortSignal;
  readonly sleep: Sleep;
}

/**
 * Runs `send` with an AbortSignal it hands to the SDK (`client.send(command, { abortSignal })`), so an
 * abandoned request is really dropped, not just no longer awaited.
 */
export function boundedAttempt<T>(send: (abortSignal: AbortSignal) => Promise<T>, limits: AttemptLimits): Promise<T> {
  const request = new AbortController();
  const deadline = new AbortController();
  const { interruption } = limits;
  return new Promise<T>((resolve, reject) => {
    // Whatever ends the attempt first decides; what comes after changes nothing: a promise settles once, an
    // AbortSignal fires once, and the other ends were called off (the deadline dropped, the listener removed).
    const settle = (outcome: () => void) => {
      deadline.abort();
      interruption?.removeEventListener("abort", onInterrupt);
      outcome();
    };
    const abandon = (reason: unknown) =>
      settle(() => {
        reject(reason);
        request.abort(reason);
      });
    // Ctrl-C drops the request at once (the SDK rejects it with an AbortError, reported as the interruption).
    // A send that ignores its signal is abandoned a turn of the event loop later; an answer that has already
    // arrived by then still wins.
    const onInterrupt = () => {
      request.abort(interruption!.reason);
      setImmediate(() => abandon(interruption!.reason));
    };
    if (interruption?.aborted) return abandon(interruption.reason);
    interruption?.addEventListener("abort", onInterrupt);
    limits.sleep(limits.timeoutMs, deadline.signal).then(() => abandon(new AwsTimeoutError(limits.operation, limits.timeoutMs)));
    Promise.resolve()
      .then(() => send(request.signal))
      .then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(interruption?.aborted && (error as Error)?.name === "AbortError" ? interruption.reason : error)),
      );
  });
}
