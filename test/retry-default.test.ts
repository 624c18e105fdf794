/**
 * The retry policy every command ships with (DEFAULT_RETRY), not the fast one tests inject: against a
 * CloudFormation that throttles every call, a request gives up after a bounded number of attempts and a
 * bounded total wait. Timers are faked so the minute of backoff takes no real time.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { CloudFormationApi } from "../src/aws/cloudformation.js";
import { fakeCredentialsClients } from "./support/deploy-harness.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

describe("the default retry policy, as shipped", () => {
  let cloud: FakeCloud;
  afterEach(() => {
    cloud.restore();
    vi.useRealTimers();
  });

  it("gives up on a throttled call after 9 attempts and under two minutes of backoff", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    cloud = createFakeCloud();
    cloud.throttle({ command: "DescribeStacks", times: 1_000 });
    const cfn = new CloudFormationApi(fakeCredentialsClients().cloudformation); // no policy given: the default
    const started = Date.now();

    const outcome = cfn.describeStack("alert-engine-network-dev").then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.runAllTimersAsync();
    const error = (await outcome) as Error;

    expect(error?.name).toMatch(/Throttl/);
    expect(cloud.callsOf("DescribeStacks")).toHaveLength(9);
    const waitedMs = Date.now() - started;
    // ~0.5 s, 1 s, 2 s … capped at 20 s, jittered up to twice: at least the unjittered sum, at most two minutes.
    expect(waitedMs).toBeGreaterThanOrEqual(500 + 1_000 + 2_000 + 4_000 + 8_000 + 16_000 + 20_000 + 20_000);
    expect(waitedMs).toBeLessThanOrEqual(2 * 60_000);
  });
});
