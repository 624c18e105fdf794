/**
 * Fault injection, the stalled kind: a request goes out and no answer ever comes. Every such call must end
 * (a per-attempt deadline, retried within the bounds, then an error naming the operation), and a Ctrl-C
 * must end the run promptly even while a request hangs.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { InterruptedError } from "../src/errors.js";
import { STACK_IDS } from "../src/templates/index.js";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, FAST_RETRY, type Harness } from "./support/deploy-harness.js";

/** Virtual seconds: the deadline runs on the fake's clock, so a 20 s wait costs no real time. */
const RETRY = { ...FAST_RETRY, attemptTimeoutMs: 20_000, interruptedAttemptTimeoutMs: 3_000 };

let h: Harness;
afterEach(() => {
  h?.cloud.restore();
  vi.restoreAllMocks();
});

const available = (stack: string) => h.cloud.stack(stack)?.changeSets.filter((c) => c.executionStatus === "AVAILABLE") ?? [];

describe("a request that is never answered", () => {
  it("GetCallerIdentity: retried within the bounds, then 'AWS did not answer GetCallerIdentity within 20 s', exit 1, nothing changed", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.stall({ command: "GetCallerIdentity", times: 1_000 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"], { retry: RETRY })).toBe(1);
    expect(cli.output()).toMatch(/AWS did not answer GetCallerIdentity within 20 s/);
    const attempts = h.cloud.callsOf("GetCallerIdentity").length;
    expect(attempts).toBeGreaterThan(1); // a timed-out attempt is tried again…
    expect(attempts).toBeLessThanOrEqual(RETRY.retries + 1); // …within the retry bounds
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  it("DescribeStackEvents stalls twice mid-deploy: those attempts time out, are retried, and the deploy finishes", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.stall({ command: "DescribeStackEvents", times: 2 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"], { retry: RETRY })).toBe(0);
    for (const id of STACK_IDS) expect(h.cloud.stack(`alert-engine-${id}-dev`)?.status, id).toBe("CREATE_COMPLETE");
    expect(cli.output()).toMatch(/^  API\s+https:\/\/api\.dev-alert-engine\.totogicore\.com$/m);
  });

  it("DescribeStackEvents never answers again: the deploy ends, naming the operation that did not answer, exit 1", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.stall({ command: "DescribeStackEvents", times: 100_000 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"], { retry: RETRY })).toBe(1);
    expect(cli.output()).toMatch(/AWS did not answer DescribeStackEvents within 20 s/);
    // The report names the kind of failure before AWS's silence, as it does for any error while following a stack.
    expect(cli.output()).toMatch(/following it failed \(AwsTimeoutError: AWS did not answer DescribeStackEvents within 20 s/);
  });
});

describe("Ctrl-C while a request hangs", () => {
  it("abandons the hanging request at once, deletes the change set this run created, exits 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const ctrlC = new AbortController();
    let pressedAt = 0;
    h.cloud.stall({
      command: "DescribeChangeSet",
      onStall: () => {
        pressedAt = h.cloud.clock.now();
        ctrlC.abort(new InterruptedError());
      },
    });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"], { retry: { ...RETRY, attemptTimeoutMs: 3_600_000 }, signal: ctrlC.signal })).toBe(130);
    // Not waited out to its hour-long deadline: the run ended within seconds of the Ctrl-C (virtual time).
    expect(h.cloud.clock.now() - pressedAt).toBeLessThan(60_000);
    const created = h.cloud.callsOf("CreateChangeSet").map((c) => (c.input as { StackName: string }).StackName);
    expect(created.length).toBeGreaterThan(0);
    for (const stack of created) expect(available(stack), stack).toEqual([]);
    expect(h.cloud.callsOf("ExecuteChangeSet")).toEqual([]);
  });

  it("a cleanup call that hangs too gets one short attempt, and the run still ends with 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const ctrlC = new AbortController();
    h.cloud.stall({ command: "DescribeChangeSet", onStall: () => ctrlC.abort(new InterruptedError()) });
    h.cloud.stall({ command: "DeleteChangeSet", times: 1_000 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"], { retry: { ...RETRY, attemptTimeoutMs: 3_600_000 }, signal: ctrlC.signal })).toBe(130);
    const deletes = h.cloud.callsOf("DeleteChangeSet").map((c) => (c.input as { StackName: string }).StackName);
    expect(deletes.length).toBeGreaterThan(0);
    expect(new Set(deletes).size).toBe(deletes.length); // one attempt each: no retries after Ctrl-C
  });
});

describe("Ctrl-C watchdog", () => {
  it("one Ctrl-C ends the process with 130 a bounded time later even if cleanup never returns; a finished run disarms it", async () => {
    const { openSession } = await import("../src/cli/session.js");
    vi.useFakeTimers();
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const before = process.listeners("SIGINT");
    const lines: string[] = [];
    try {
      const hung = openSession("dev", {}, { log: (line) => lines.push(line) });
      const onSigint = process.listeners("SIGINT").find((l) => !before.includes(l))!;
      onSigint("SIGINT");
      expect(hung.signal.aborted).toBe(true);
      vi.advanceTimersByTime(2_000);
      expect(exit).not.toHaveBeenCalled(); // cleanup gets its chance first
      vi.advanceTimersByTime(30_000);
      expect(exit).toHaveBeenCalledWith(130);
      expect(lines.join("\n")).toMatch(/did not finish within \d+ s of Ctrl-C/);
      hung.close();

      exit.mockClear();
      const finished = openSession("dev", {}, { log: () => {} });
      process.listeners("SIGINT").find((l) => !before.includes(l))!("SIGINT");
      finished.close(); // the run ended on its own: its summary is out, nothing to cut short
      vi.advanceTimersByTime(60_000);
      expect(exit).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
