/**
 * Which failures withRetry tries again, error by error, as the AWS SDK and the services raise them. The
 * boundary is the retry itself: a failure is "retried" when a call that fails once with it is sent a second
 * time, and "an answer" when the call is sent once and the error comes back as it is.
 */
import { describe, expect, it } from "vitest";
import { hasErrorName, isTransient, withRetry } from "../src/aws/retry.js";

/** One retry, no backoff: a retried failure costs two sends, an answer one. */
const ONE_RETRY = { retries: 1, minTimeoutMs: 0, maxTimeoutMs: 0 };

/** How many times a call is sent when its first attempt fails with `error` and its second succeeds. */
async function sendsAfter(error: unknown): Promise<number> {
  let sends = 0;
  await withRetry(async () => {
    sends += 1;
    if (sends === 1) throw error;
    return "answered";
  }, ONE_RETRY).catch((final: unknown) => expect(final).toBe(error));
  return sends;
}

/** A service's answer as the SDK deserializes it: the error code as `name`, the HTTP status in `$metadata`. */
const answer = (name: string, status: number, message = "from AWS") => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
/** What the SDK's HTTP handler rejects with when the socket fails (no HTTP response, so no status). */
const socketError = (code: string, name = "Error") => Object.assign(new Error(`connect ${code} 203.0.113.7:443`), { name, code, $metadata: {} });

describe("failures that are tried again", () => {
  // Throttling: the SDK's own list of throttling codes (@smithy/service-error-classification); AWS asks to
  // slow down and retry with backoff. The name decides, whatever status the service sends with it.
  it.each([
    ["Throttling", "CloudFormation, STS (query protocol)"],
    ["ThrottlingException", "ECS, ECR, ACM, CloudWatch Logs (JSON protocol)"],
    ["TooManyRequestsException", "Lambda, API Gateway"],
    ["RequestLimitExceeded", "EC2's request rate limit"],
    ["RequestThrottled", "SQS"],
    ["RequestThrottledException", "older JSON services"],
    ["SlowDown", "S3: reduce the request rate"],
    ["ProvisionedThroughputExceededException", "DynamoDB, Kinesis"],
    ["PriorRequestNotComplete", "Route 53: the previous change on the zone is still being applied"],
  ])("%s (%s)", async (name) => {
    expect(await sendsAfter(answer(name, 400, "Rate exceeded"))).toBe(2);
  });

  it("any error sent as HTTP 429 Too Many Requests, whatever its name", async () => {
    expect(await sendsAfter(answer("SomethingNew", 429))).toBe(2);
  });

  // An answer that did not come in time: the request may well succeed on the next try.
  it.each([
    ["TimeoutError", "the SDK's HTTP handler gave up waiting"],
    ["RequestTimeout", "S3: the socket was idle too long"],
    ["RequestTimeoutException", "the service timed out on its side"],
  ])("%s (%s)", async (name) => {
    expect(await sendsAfter(answer(name, 400))).toBe(2);
  });

  // 5xx: AWS failed on its side (InternalFailure, InternalError, ServiceUnavailable); the request was fine.
  it.each([
    ["InternalFailure", 500],
    ["InternalError", 500],
    ["BadGateway", 502],
    ["ServiceUnavailable", 503],
    ["ServiceUnavailableException", 503],
    ["GatewayTimeout", 504],
    ["InsufficientStorage", 507],
  ])("%s (HTTP %i)", async (name, status) => {
    expect(await sendsAfter(answer(name, status))).toBe(2);
  });

  // A connection that dropped or a DNS lookup that failed for now: the next connection may well hold.
  it.each([
    ["ECONNRESET", "the peer reset the connection"],
    ["EPIPE", "the connection closed while the request was being written"],
    ["ETIMEDOUT", "the connection timed out"],
    ["ECONNABORTED", "the local side aborted the connection (Windows' word for a dropped connection)"],
    ["EAI_AGAIN", "the DNS server could not answer for now"],
  ])("socket error %s (%s)", async (code) => {
    expect(await sendsAfter(socketError(code))).toBe(2);
  });

  it("a socket error the SDK's handler renamed TimeoutError (as it does for ECONNRESET)", async () => {
    expect(await sendsAfter(socketError("ECONNRESET", "TimeoutError"))).toBe(2);
  });

  it("an error the service marks retryable (the $retryable trait of its model)", async () => {
    expect(await sendsAfter(Object.assign(answer("IdempotentParameterMismatch", 400), { $retryable: {} }))).toBe(2);
  });

  it("a signature refused for clock skew once the SDK has corrected its offset, and only then", async () => {
    const refused = () => answer("SignatureDoesNotMatch", 403, "Signature expired");
    expect(await sendsAfter(refused())).toBe(1);
    const corrected = refused();
    corrected.$metadata = { httpStatusCode: 403, clockSkewCorrected: true } as typeof corrected.$metadata;
    expect(await sendsAfter(corrected)).toBe(2);
  });

  it("CloudFormation's throttling worded as a ValidationError 'Rate exceeded', and not other ValidationErrors", async () => {
    expect(await sendsAfter(answer("ValidationError", 400, "Rate exceeded"))).toBe(2);
    expect(await sendsAfter(answer("ValidationError", 400, "Stack with id alert-engine-network-dev does not exist"))).toBe(1);
    expect(await sendsAfter(answer("OtherError", 400, "Rate exceeded"))).toBe(1);
  });
});

describe("answers that a retry would only repeat", () => {
  // The endpoint cannot be reached at all: a typo in --endpoint-url or the region, nothing listening
  // (LocalStack not started), or no network. A minute of backoff would only hide it (README: "fail at once").
  it.each([
    ["ENOTFOUND", "the host name does not resolve"],
    ["ECONNREFUSED", "nothing listens on the port"],
    ["EHOSTUNREACH", "no route to the host"],
    ["ENETUNREACH", "no network"],
  ])("socket error %s (%s)", async (code) => {
    expect(await sendsAfter(socketError(code))).toBe(1);
  });

  // HTTP 501 Not Implemented and 505 HTTP Version Not Supported: the endpoint does not do this (S3's
  // NotImplemented; LocalStack's answer for an API it does not emulate, named InternalFailure).
  it.each([
    ["NotImplemented", 501],
    ["InternalFailure", 501],
    ["HttpVersionNotSupported", 505],
  ])("%s (HTTP %i)", async (name, status) => {
    expect(await sendsAfter(answer(name, status))).toBe(1);
  });

  it.each([
    ["ValidationError", 400, "a request CloudFormation refuses"],
    ["AccessDenied", 403, "a missing permission"],
    ["ExpiredToken", 400, "expired credentials"],
    ["LimitExceededException", 400, "a quota reached (stacks, certificates, log groups): no wait lifts it"],
    ["AlreadyExistsException", 400, "the stack already exists"],
  ])("%s (HTTP %i: %s)", async (name, status) => {
    expect(await sendsAfter(answer(name, status))).toBe(1);
  });

  it("the SDK's AbortError (the request's own signal fired)", async () => {
    expect(await sendsAfter(Object.assign(new Error("Request aborted"), { name: "AbortError" }))).toBe(1);
  });
});

describe("anything thrown", () => {
  it("a value that is no error at all is never transient, and has no error name", () => {
    for (const thrown of [undefined, null, "Throttling", 503]) {
      expect(isTransient(thrown), String(thrown)).toBe(false);
      expect(hasErrorName(thrown, "Throttling"), String(thrown)).toBe(false);
    }
  });
});
