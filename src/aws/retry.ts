import pRetry from "p-retry";

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  /** Told of each failed attempt that will be retried, so a bad day on AWS's side does not go unseen. */
  readonly onRetry?: (error: Error) => void;
  /**
   * Once aborted (Ctrl-C), a failed call is not tried again, so a throttled run stops within one backoff.
   * Calls made after the abort (the cleanup of change sets) still get their first attempt.
   */
  readonly stopRetryingOn?: AbortSignal;
}

/** Bounded, jittered exponential backoff: ~0.5 s, 1 s, 2 s … capped at 20 s, 8 retries (9 attempts in all). */
export const DEFAULT_RETRY: RetryPolicy = { retries: 8, minTimeoutMs: 500, maxTimeoutMs: 20_000 };

const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "PriorRequestNotComplete",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);
// ENOTFOUND is not here: a host that does not resolve (offline, a typo in --endpoint-url or the region)
// will not resolve a minute later either, and eight backoffs would only hide that for over a minute.
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ECONNABORTED"]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
  $retryable?: unknown;
}

/** Whether an AWS SDK error (or anything thrown) carries one of these names, e.g. "RepositoryNotFoundException". */
export const hasErrorName = (error: unknown, ...names: string[]): boolean => names.includes((error as Error)?.name ?? "");

/** Throttling, 5xx and dropped connections are worth another try; everything else is an answer. */
export function isTransient(error: unknown): boolean {
  const e = error as AwsLikeError;
  if (!e || typeof e !== "object") return false;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  // This machine's clock is minutes off: AWS refused the signature, and the SDK has just learnt the offset
  // from the response's Date header. The SDK's own retry would now resend, but the clients run with
  // maxAttempts 1 (retries are ours), so ours must, or the first call of every client fails as "bad credentials".
  if (e.$metadata?.clockSkewCorrected) return true;
  if (hasErrorName(e, "ValidationError") && /rate exceeded/i.test(e.message ?? "")) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Runs one AWS call, retrying transient failures under the policy. */
export function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, signal?: AbortSignal): Promise<T> {
  return pRetry(call, {
    retries: policy.retries,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    factor: 2,
    randomize: true,
    signal,
    shouldRetry: ({ error }) => isTransient(error) && !policy.stopRetryingOn?.aborted,
    onFailedAttempt: ({ error, retriesLeft }) => {
      if (retriesLeft > 0 && isTransient(error) && !policy.stopRetryingOn?.aborted) policy.onRetry?.(error);
    },
  });
}

/** Base of the per-service wrappers: one client for the run, every call through the same retry policy. */
export abstract class RetryingApi<Client> {
  constructor(
    protected readonly client: Client,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  protected call<T>(send: () => Promise<T>): Promise<T> {
    return withRetry(send, this.retry);
  }
}
