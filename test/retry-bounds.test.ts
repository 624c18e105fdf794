/**
 * The bounds of one AWS call under the retry policy, at the wrapper clients' boundary (StsApi against the
 * stateful fake cloud, deadlines on its virtual clock): how often an attempt that never gets an answer is
 * tried again, what the caller is told of each retry, how far apart retries are, and what the final timeout
 * error says. withRetry is called directly where the SDK's own HTTP handler errors are the input.
 */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RetryingApi, withRetry, type RetryPolicy } from "../src/aws/retry.js";
import { StsApi } from "../src/aws/sts.js";
import { fakeCredentialsClients } from "./support/deploy-harness.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

let cloud: FakeCloud | undefined;
afterEach(() => {
  cloud?.restore();
  cloud = undefined;
  vi.useRealTimers();
});

/** Fast backoff; each attempt's 20 s deadline runs on the fake's virtual clock. */
function stsOnFakeCloud(policy: Partial<RetryPolicy> = {}) {
  cloud = createFakeCloud();
  const clock = cloud.clock;
  const retried: string[] = [];
  const sts = new StsApi(fakeCredentialsClients().sts, {
    retries: 8,
    minTimeoutMs: 1,
    maxTimeoutMs: 5,
    attemptTimeoutMs: 20_000,
    sleep: (ms, signal) => clock.sleep(ms, signal),
    onRetry: (error) => retried.push(error.name),
    ...policy,
  });
  const attempts = () => cloud!.callsOf("GetCallerIdentity").length;
  return { cloud, sts, retried, attempts };
}

const failureOf = (call: Promise<unknown>) => call.then(() => expect.unreachable("the call succeeded"), (error: Error) => error);

describe("an attempt that gets no answer", () => {
  it("is tried again twice (README: 'retried at most twice'), then the call fails naming the operation and the deadline", async () => {
    const { cloud, sts, retried, attempts } = stsOnFakeCloud();
    cloud.stall({ command: "GetCallerIdentity", times: 1_000 });
    const error = await failureOf(sts.callerIdentity());
    expect(error.message).toBe("AWS did not answer GetCallerIdentity within 20 s: check the network, the region (--region) and --endpoint-url if you use one, then rerun");
    expect(attempts()).toBe(3);
    expect(retried).toHaveLength(2); // told of each retry, not of the final failure
  });

  it("timeoutRetries sets how often: 4 retries of silence make 5 attempts, within the overall retries", async () => {
    const { cloud, sts, attempts } = stsOnFakeCloud({ timeoutRetries: 4 });
    cloud.stall({ command: "GetCallerIdentity", times: 1_000 });
    await failureOf(sts.callerIdentity());
    expect(attempts()).toBe(5);
  });

  it("throttling before the silence does not use up the allowance for timeouts: 2 throttled + 3 silent attempts", async () => {
    const { cloud, sts, retried, attempts } = stsOnFakeCloud();
    cloud.throttle({ command: "GetCallerIdentity", times: 2 });
    cloud.stall({ command: "GetCallerIdentity", times: 1_000 });
    const error = await failureOf(sts.callerIdentity());
    expect(error.message).toMatch(/^AWS did not answer GetCallerIdentity within 20 s/);
    expect(attempts()).toBe(5);
    expect(retried).toEqual(["ThrottlingException", "ThrottlingException", "AwsTimeoutError", "AwsTimeoutError"]);
  });

  it("silence that ends: the call succeeds on the attempt that is answered", async () => {
    const { cloud, sts, retried, attempts } = stsOnFakeCloud();
    cloud.stall({ command: "GetCallerIdentity", times: 2 });
    await expect(sts.callerIdentity()).resolves.toMatchObject({ account: cloud.account });
    expect(attempts()).toBe(3);
    expect(retried).toHaveLength(2);
  });
});

describe("what the caller is told of retries (onRetry: the end of a deploy counts the calls that needed one)", () => {
  it("each failed attempt that is tried again, and nothing once the call succeeds", async () => {
    const { cloud, sts, retried } = stsOnFakeCloud();
    cloud.throttle({ command: "GetCallerIdentity", times: 2 });
    await sts.callerIdentity();
    expect(retried).toEqual(["ThrottlingException", "ThrottlingException"]);
  });

  it("not the last failure, which is not tried again: 3 retries of a call throttled throughout are 3 notices", async () => {
    const { cloud, sts, retried, attempts } = stsOnFakeCloud({ retries: 3 });
    cloud.throttle({ command: "GetCallerIdentity", times: 1_000 });
    expect((await failureOf(sts.callerIdentity())).name).toBe("ThrottlingException");
    expect(attempts()).toBe(4);
    expect(retried).toHaveLength(3);
  });

  it("nothing for an answer that is not retried", async () => {
    const { cloud, sts, retried, attempts } = stsOnFakeCloud();
    cloud.notImplemented({ command: "GetCallerIdentity", times: 1_000 });
    await failureOf(sts.callerIdentity());
    expect(attempts()).toBe(1);
    expect(retried).toEqual([]);
  });
});

describe("backoff", () => {
  it("is jittered: two calls throttled at the same instant do not retry in lockstep, each wait within [base, 2 × base]", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400 } });
    const policy = { retries: 3, minTimeoutMs: 10_000, maxTimeoutMs: 1_000_000 };
    const sendTimes = [[], []] as number[][];
    const calls = sendTimes.map((times) =>
      failureOf(
        withRetry(async () => {
          times.push(Date.now());
          throw throttled;
        }, policy),
      ),
    );
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    for (const times of sendTimes) {
      expect(times).toHaveLength(4);
      const waits = times.slice(1).map((at, i) => at - times[i]!);
      waits.forEach((wait, i) => {
        const base = 10_000 * 2 ** i;
        expect(wait).toBeGreaterThanOrEqual(base);
        expect(wait).toBeLessThanOrEqual(2 * base);
      });
    }
    // Unjittered, both would send at exactly the same instants (one chance in ~10^12 that jitter does too).
    expect(sendTimes[0]).not.toEqual(sendTimes[1]);
  });
});

describe("the SDK HTTP handler's own timeouts, as the final error", () => {
  const handlerTimeout = (message: string, code?: string) => Object.assign(new Error(message), { name: "TimeoutError", ...(code ? { code } : {}) });
  const failWith = (error: Error) => failureOf(withRetry(() => Promise.reject(error), { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0 }, "DescribeStacks"));

  it("states the handler's limit in seconds, as its message gives it (requestTimeout, connectionTimeout)", async () => {
    // @smithy/node-http-handler's messages, word for word (set-request-timeout.js, set-connection-timeout.js).
    const request = handlerTimeout("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 25000 ms requestTimeout.", "ETIMEDOUT");
    expect((await failWith(request)).message).toMatch(/^AWS did not answer DescribeStacks within 25 s: check the network/);
    const connect = handlerTimeout("@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.");
    expect((await failWith(connect)).message).toMatch(/^AWS did not answer DescribeStacks within 5 s: check the network/);
  });

  it("quotes the handler when its message states no limit, and keeps its error as the cause", async () => {
    const http2 = handlerTimeout("Unexpected error: http2 request did not get a response");
    const error = await failWith(http2);
    expect(error.message).toBe(
      "AWS did not answer DescribeStacks (Unexpected error: http2 request did not get a response): check the network, the region (--region) and --endpoint-url if you use one, then rerun",
    );
    expect(error.cause).toBe(http2);
  });

  it("a dropped connection the handler names TimeoutError (ECONNRESET) is not a timeout: its own error comes back", async () => {
    const reset = handlerTimeout("socket hang up", "ECONNRESET");
    expect(await failWith(reset)).toBe(reset);
  });
});

describe("the operation the timeout names", () => {
  it("withRetry called with no operation says 'the request'", async () => {
    const silent = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const error = await failureOf(withRetry(silent, { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0, attemptTimeoutMs: 1_000, sleep: async () => {} }));
    expect(error.message).toMatch(/^AWS did not answer the request within 1 s:/);
  });

  it("a wrapper names the SDK command without its 'Command' suffix, even when 'Command' is part of the name", async () => {
    // SSM's ListCommandInvocations: only the trailing "Command" of the class name is the SDK's suffix.
    class ListCommandInvocationsCommand {}
    const silentClient = { send: (_command: object, options?: { abortSignal?: AbortSignal }) => new Promise((_, reject) => options?.abortSignal?.addEventListener("abort", () => reject(options.abortSignal!.reason))) };
    class SsmApi extends RetryingApi<typeof silentClient> {
      invocations = () => this.send(new ListCommandInvocationsCommand());
    }
    const ssm = new SsmApi(silentClient, { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0, attemptTimeoutMs: 1_000, sleep: async () => {} });
    expect((await failureOf(ssm.invocations())).message).toMatch(/^AWS did not answer ListCommandInvocations within 1 s:/);
    // And an SDK client's command, for comparison.
    const sts = new (class extends RetryingApi<STSClient> {
      who = () => this.send(new GetCallerIdentityCommand({}));
    })(silentClient as unknown as STSClient, { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0, attemptTimeoutMs: 1_000, sleep: async () => {} });
    expect((await failureOf(sts.who())).message).toMatch(/^AWS did not answer GetCallerIdentity within 1 s:/);
  });
});
