import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const CLUSTER = "alert-engine-cluster-dev";
const BACKEND = "alert-engine-backend-dev";

describe("deploy --express: done only when the service is ready", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  const start = () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    return cliHarness(h, writeConfig(h.cloud.account));
  };
  const serviceName = () => h.cloud.stack(BACKEND)!.outputs["ServiceName"]!;
  const serviceCompleted = (at: (e: { at: number; message: string }) => boolean) => h.cloud.ecsService(CLUSTER, serviceName())!.events.find((e) => /has reached a steady state/.test(e.message) && at(e));

  it("the backend stack completes while its tasks still start; the deploy ends only after the rollout completed with healthy targets", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    const ended = h.cloud.clock.now();
    const stackDone = h.cloud.stack(BACKEND)!.events.find((e) => e.logicalId === "Service" && e.status === "CREATE_COMPLETE")!.at;
    const steady = serviceCompleted(() => true);
    expect(steady).toBeDefined();
    // Express really finished the stack before ECS had a steady service: the wait was the orchestrator's.
    expect(steady!.at).toBeGreaterThan(stackDone + 10_000);
    expect(ended).toBeGreaterThanOrEqual(steady!.at);
    const service = h.cloud.ecsService(CLUSTER, serviceName())!;
    expect(service.deployments[0]).toMatchObject({ status: "PRIMARY", rolloutState: "COMPLETED" });
    expect(service.healthy).toBe(service.desiredCount);
    expect(cli.lastOutput()).toMatch(/backend\s+stack complete \(express\), waiting for the service to be ready/);
    expect(cli.lastOutput()).toMatch(/backend\s+service 0\/1 running(, 1 pending)?, rollout IN_PROGRESS, \S+/);
    expect(cli.lastOutput()).toMatch(/ready after \S+: service \S+ rollout COMPLETED, 1\/1 running, targets healthy/);
    expect(cli.lastOutput()).toMatch(/api\.dev-alert-engine\.totogicore\.com A\/AAAA in zone \S+, alias to dualstack\./);
  });

  it("a service that never becomes ready fails the deploy (exit 1) with its cause: exit code, stop reason, the logs command; the stack itself stays complete", async () => {
    const cli = start();
    h.cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", exitCode: 3 });
    const started = h.cloud.clock.now();
    expect(await cli.run(["deploy", "dev", "--express", "--rollout-timeout", "3m"])).toBe(1);
    // Bounded by --rollout-timeout (dev has no circuit breaker: ECS would restart the tasks for ever).
    expect(h.cloud.clock.now() - started).toBeLessThan(8 * 60_000);
    const out = cli.lastOutput();
    expect(out).toMatch(/did not complete within 3m\d\ds \(--rollout-timeout\)/);
    expect(h.cloud.stack(BACKEND)!.status).toBe("CREATE_COMPLETE");
    expect(out).toMatch(/^backend failed: Service \(AWS::ECS::Service\): not ready: /m);
    expect(out).toMatch(/exit code 3/);
    expect(out).toContain("Essential container in task exited");
    expect(out).toContain("npm run orchestrate -- logs dev --since 1h");
    expect(out).toMatch(/domain\s+skipped/);
  });

  it("after a service that never became ready, fixing the image and running again converges; the run after is a no-op", async () => {
    const cli = start();
    h.cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", exitCode: 3 });
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(1);
    h.cloud.ecsTrouble(undefined);
    h.cloud.putImage("alert-engine-dev", "fixed");
    expect(await cli.run(["deploy", "dev", "--express", "--image-tag", "fixed"])).toBe(0);
    expect(cli.lastOutput()).toMatch(/rollout COMPLETED, 1\/1 running, targets healthy/);
    const service = h.cloud.ecsService(CLUSTER, serviceName())!;
    expect(service.deployments[0]).toMatchObject({ status: "PRIMARY", rolloutState: "COMPLETED" });
    expect(h.cloud.stack("alert-engine-domain-dev")!.status).toBe("CREATE_COMPLETE");
    const changeSets = h.cloud.callsOf("CreateChangeSet").length;
    expect(await cli.run(["deploy", "dev", "--express", "--image-tag", "fixed"])).toBe(0);
    expect(h.cloud.callsOf("CreateChangeSet").length).toBe(changeSets);
  });
});
