/**
 * One attempt of one AWS call (boundedAttempt, and withRetry with its default real timers): it ends with the
 * answer, at its deadline or at Ctrl-C, and leaves nothing behind (no timer that keeps the CLI alive after
 * its summary, no listener piling up on the run's Ctrl-C signal).
 */
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { boundedAttempt, type Sleep } from "../src/aws/attempt.js";
import { withRetry } from "../src/aws/retry.js";
import { InterruptedError } from "../src/errors.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A deadline that never comes: only the answer or Ctrl-C can end the attempt. */
const noDeadline: Sleep = () => new Promise(() => {});
/** As the SDK's HTTP handler does: no answer, until the request's abortSignal fires, then an AbortError. */
const silentSdkCall = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" }))));
/** A send that ignores its signal altogether (a credential provider, a mocked client). */
const deafCall = () => new Promise<never>(() => {});

/** The outcome once everything pending has run (two turns of the event loop), without waiting on the promise. */
async function outcomeSoon<T>(attempt: Promise<T>): Promise<{ value?: T; error?: unknown } | undefined> {
  let outcome: { value?: T; error?: unknown } | undefined;
  attempt.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  for (let turn = 0; turn < 2; turn++) await new Promise((next) => setImmediate(next));
  return outcome;
}

describe("Ctrl-C during an attempt", () => {
  it("a request the SDK drops on its signal: the attempt ends with the interruption, not the SDK's 'Request aborted'", async () => {
    const ctrlC = new AbortController();
    const interrupted = new InterruptedError();
    const attempt = boundedAttempt(silentSdkCall, { operation: "DescribeStacks", timeoutMs: 30_000, interruption: ctrlC.signal, sleep: noDeadline });
    await new Promise((next) => setImmediate(next)); // the request is out
    ctrlC.abort(interrupted);
    expect(await outcomeSoon(attempt)).toEqual({ error: interrupted });
  });

  it("a send that ignores its signal is abandoned within a turn of the event loop", async () => {
    const ctrlC = new AbortController();
    const interrupted = new InterruptedError();
    let handedSignal: AbortSignal | undefined;
    const attempt = boundedAttempt(
      (signal) => {
        handedSignal = signal;
        return deafCall();
      },
      { operation: "DescribeStacks", timeoutMs: 30_000, interruption: ctrlC.signal, sleep: noDeadline },
    );
    await new Promise((next) => setImmediate(next));
    ctrlC.abort(interrupted);
    expect(await outcomeSoon(attempt)).toEqual({ error: interrupted });
    expect(handedSignal?.aborted).toBe(true); // and the request itself was told to stop
  });

  it("an answer that arrives in the same turn as the Ctrl-C still wins", async () => {
    const ctrlC = new AbortController();
    const answeredOnAbort = (signal: AbortSignal) => new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("answered")));
    const attempt = boundedAttempt(answeredOnAbort, { operation: "DescribeStacks", timeoutMs: 30_000, interruption: ctrlC.signal, sleep: noDeadline });
    await new Promise((next) => setImmediate(next));
    ctrlC.abort(new InterruptedError());
    expect(await outcomeSoon(attempt)).toEqual({ value: "answered" });
  });

  it("a failure other than the SDK's abort is the call's own, and is passed on as it is", async () => {
    for (const failure of [Object.assign(new Error("Stack with id x does not exist"), { name: "ValidationError" }), null]) {
      const ctrlC = new AbortController();
      const failsOnAbort = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(failure)));
      const attempt = boundedAttempt(failsOnAbort, { operation: "DescribeStacks", timeoutMs: 30_000, interruption: ctrlC.signal, sleep: noDeadline });
      await new Promise((next) => setImmediate(next));
      ctrlC.abort(new InterruptedError());
      expect(await outcomeSoon(attempt), String(failure)).toEqual({ error: failure });
    }
  });

  it("leaves no listener on the run's Ctrl-C signal once a call is done (a long run would pile them up: MaxListenersExceededWarning)", async () => {
    const ctrlC = new AbortController();
    const policy = { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0, stopRetryingOn: ctrlC.signal };
    for (let call = 0; call < 3; call++) await withRetry(async () => "answered", policy);
    await withRetry(() => Promise.reject(Object.assign(new Error("no"), { name: "AccessDenied" })), policy).catch(() => undefined);
    expect(getEventListeners(ctrlC.signal, "abort")).toEqual([]);
  });
});

describe("the deadline on the real timers (no clock given: what the CLI runs with)", () => {
  it("ends an attempt that gets no answer after 30 s, and an answered call leaves no timer running", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let failure: Error | undefined;
    withRetry(silentSdkCall, { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0 }, "DescribeStacks").catch((error: Error) => (failure = error));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(failure).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(failure?.message).toMatch(/^AWS did not answer DescribeStacks within 30 s:/);

    await expect(withRetry(async () => "answered", { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0 }, "DescribeStacks")).resolves.toBe("answered");
    // A 30 s timer left behind would keep the process alive half a minute after the command has finished.
    expect(vi.getTimerCount()).toBe(0);
  });
});
