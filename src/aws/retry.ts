import { isServerError, isThrottlingError, isTransientError } from "@smithy/service-error-classification";
import pRetry from "p-retry";
import { AwsTimeoutError, boundedAttempt, realSleep, type Sleep } from "./attempt.js";

export { AwsTimeoutError } from "./attempt.js";

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  /** Told of each failed attempt that will be retried, so a bad day on AWS's side does not go unseen. */
  readonly onRetry?: (error: Error) => void;
  /**
   * Once aborted (Ctrl-C), a failed call is not tried again, so a throttled run stops within one backoff,
   * and a call in flight is abandoned at once. Calls made after the abort (the cleanup of change sets)
   * still get their first attempt, bounded by `interruptedAttemptTimeoutMs`.
   */
  readonly stopRetryingOn?: AbortSignal;
  /** How long one attempt waits for an answer before it is abandoned (and retried). Default 30 s. */
  readonly attemptTimeoutMs?: number;
  /** A call started after Ctrl-C (cleanup) waits at most this long: the user asked to stop. Default 5 s. */
  readonly interruptedAttemptTimeoutMs?: number;
  /**
   * How many times an attempt that timed out is tried again (counted within `retries`). Default 2: an
   * endpoint that has not answered three times running is not about to, and nine silent deadlines
   * would look like the hang this bound exists to prevent.
   */
  readonly timeoutRetries?: number;
  /** What the deadlines sleep on: the run's clock (virtual in tests). Default real timers. */
  readonly sleep?: Sleep;
}

/** Bounded, jittered exponential backoff: ~0.5 s, 1 s, 2 s … capped at 20 s, 8 retries (9 attempts in all). */
export const DEFAULT_RETRY: RetryPolicy = { retries: 8, minTimeoutMs: 500, maxTimeoutMs: 20_000 };

/**
 * Above the SDK handler's own request timeout (clients.ts), so for real AWS the handler's TimeoutError
 * comes first and this deadline is the backstop for what the handler does not cover.
 */
const ATTEMPT_TIMEOUT_MS = 30_000;
const INTERRUPTED_ATTEMPT_TIMEOUT_MS = 5_000;
const TIMEOUT_RETRIES = 2;

/**
 * What the SDK's own retry strategy retries and this tool must not: the endpoint cannot be reached at all.
 * A host that does not resolve (offline, a typo in --endpoint-url or the region) will not resolve a minute later
 * either, nothing listening on the port (LocalStack not started, a wrong port) will not start listening because
 * we wait, and no route to the host or network is the same; eight backoffs would hide each for a minute.
 */
const UNREACHABLE_CODES: ReadonlySet<string | undefined> = new Set(["ENOTFOUND", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * "This endpoint does not do that": HTTP 501 (S3's NotImplemented; LocalStack's answer for an API it does not
 * emulate, even under the name InternalFailure) and 505. The same request gets the same answer every time.
 */
const NOT_IMPLEMENTED_STATUS: readonly (number | undefined)[] = [501, 505];

/**
 * The SDK counts LimitExceededException as throttling; every service this tool calls (CloudFormation, ACM, ECS,
 * ECR, CloudWatch Logs) uses it for a quota reached (stacks, certificates, log groups), which no wait lifts.
 */
const QUOTA_REACHED = "LimitExceededException";

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
  $retryable?: unknown;
}
type SdkError = Parameters<typeof isTransientError>[0];

/** Whether an AWS SDK error (or anything thrown) carries one of these names, e.g. "RepositoryNotFoundException". */
export const hasErrorName = (error: unknown, ...names: string[]): boolean => names.includes((error as Error)?.name);

/** An answer, however the SDK would classify it: the same request gets it again. */
function isFinalAnswer(e: AwsLikeError): boolean {
  return UNREACHABLE_CODES.has(e.code) || NOT_IMPLEMENTED_STATUS.includes(e.$metadata?.httpStatusCode) || hasErrorName(e, QUOTA_REACHED);
}

/**
 * Throttling, timeouts, 5xx and dropped connections are worth another try; everything else is an answer.
 * The AWS SDK's own classification decides (@smithy/service-error-classification: its throttling and timeout
 * codes, HTTP 429 and 5xx, socket errors, the model's $retryable trait, and a signature refused for clock skew
 * once the SDK has corrected its offset, which our retries must resend because the clients run with
 * maxAttempts 1), less the final answers above, plus what the SDK misses.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as AwsLikeError;
  if (isFinalAnswer(e)) return false;
  if (e instanceof AwsTimeoutError) return true;
  const sdk = e as SdkError;
  if (isThrottlingError(sdk) || isTransientError(sdk) || isServerError(sdk)) return true;
  // Windows' word for a connection the local side dropped; the SDK's list has only the POSIX ones.
  if (e.code === "ECONNABORTED") return true;
  // CloudFormation's throttling sometimes comes as a ValidationError "Rate exceeded".
  return hasErrorName(e, "ValidationError") && /rate exceeded/i.test(String(e.message));
}

/**
 * Ours, or the SDK handler's requestTimeout / connectionTimeout (a TimeoutError with no socket code, or ETIMEDOUT).
 * A TimeoutError with another code (ECONNRESET) is a dropped connection, not an answer that never came.
 */
const isTimeout = (error: unknown) =>
  error instanceof AwsTimeoutError || (hasErrorName(error, "TimeoutError") && [undefined, "ETIMEDOUT"].includes((error as AwsLikeError).code));

/**
 * The handler's own limit, as its message states it: "…exceeded the configured 25000 ms requestTimeout", "…within
 * the configured timeout of 5000 ms", "…for 5000 ms" (@smithy/node-http-handler; always a space before "ms").
 */
const statedLimitMs = (error: Error) => {
  const ms = /(\d+) ms/.exec(error.message)?.[1];
  return ms === undefined ? undefined : Number(ms);
};

/**
 * Runs one AWS call, retrying transient failures under the policy. Every attempt is bounded (see
 * boundedAttempt); `send` gets the attempt's AbortSignal to hand to the SDK.
 */
export async function withRetry<T>(send: (abortSignal: AbortSignal) => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, operation = "the request"): Promise<T> {
  const interrupted = () => policy.stopRetryingOn?.aborted === true;
  let timeouts = 0;
  const retryable = (error: Error) =>
    isTransient(error) && !interrupted() && (!isTimeout(error) || timeouts <= (policy.timeoutRetries ?? TIMEOUT_RETRIES));
  try {
    return await pRetry(
      () => {
        const afterCtrlC = interrupted();
        return boundedAttempt(send, {
          operation,
          timeoutMs: afterCtrlC ? (policy.interruptedAttemptTimeoutMs ?? INTERRUPTED_ATTEMPT_TIMEOUT_MS) : (policy.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS),
          interruption: afterCtrlC ? undefined : policy.stopRetryingOn,
          sleep: policy.sleep ?? realSleep,
        });
      },
      {
        retries: policy.retries,
        minTimeout: policy.minTimeoutMs,
        maxTimeout: policy.maxTimeoutMs,
        factor: 2,
        randomize: true,
        shouldRetry: ({ error }) => retryable(error),
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (isTimeout(error)) timeouts += 1;
          if (retriesLeft > 0 && retryable(error)) policy.onRetry?.(error);
        },
      },
    );
  } catch (error) {
    if (isTimeout(error) && !(error instanceof AwsTimeoutError)) throw new AwsTimeoutError(operation, statedLimitMs(error as Error), error as Error);
    throw error;
  }
}

/** What the per-service wrappers need of an SDK client: `send` with the per-request options. */
interface Sender {
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** The output type of an SDK command (`GetCallerIdentityCommand` → `GetCallerIdentityCommandOutput`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OutputOf<C> = C extends { resolveMiddleware(...args: any[]): (...args: any[]) => Promise<{ output: infer O }> } ? O : never;

/** Base of the per-service wrappers: one client for the run, every call through the same retry policy. */
export abstract class RetryingApi<Client> {
  constructor(
    protected readonly client: Client,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Sends one SDK command under the policy: retried, every attempt bounded and abandoned on Ctrl-C. */
  protected send<C extends object>(command: C): Promise<OutputOf<C>> {
    const operation = command.constructor.name.replace(/Command$/, "");
    const client = this.client as unknown as Sender;
    return withRetry((abortSignal) => client.send(command, { abortSignal }) as Promise<OutputOf<C>>, this.retry, operation);
  }
}
