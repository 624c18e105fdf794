/**
 * followRollout: done only when ECS says the deployment COMPLETED; a failure or a timeout comes back with the root
 * cause (the stopped tasks' exit codes and reasons, the unhealthy targets), all in the fake's virtual time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EcsApi } from "../src/aws/ecs.js";
import { ElbApi } from "../src/aws/elbv2.js";
import { followRollout, type RolloutSnapshot } from "../src/orchestrator/rollout.js";
import { FAST_RETRY, fakeCredentialsClients } from "./support/deploy-harness.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

let cloud: FakeCloud;
afterEach(() => cloud.restore());

/** A steady two-task service behind a load balancer on v1, and a v2 revision registered through the wrapper. */
async function service(options: { circuitBreaker?: boolean; graceSeconds?: number } = {}) {
  cloud = createFakeCloud();
  const breaker = options.circuitBreaker ?? false;
  const { taskDefinitionArn } = cloud.putService({
    cluster: "apps",
    name: "api",
    image: "repo/api:v1",
    desiredCount: 2,
    circuitBreaker: { enable: breaker, rollback: breaker },
    ...(options.graceSeconds !== undefined ? { healthCheckGracePeriodSeconds: options.graceSeconds } : {}),
  });
  const clients = fakeCredentialsClients();
  const ecs = new EcsApi(clients.ecs, FAST_RETRY);
  const elb = new ElbApi(clients.elbv2, FAST_RETRY);
  cloud.clock.advance(60_000); // the service has been steady for a while
  const v1 = await ecs.taskDefinition(taskDefinitionArn);
  const v2 = await ecs.registerTaskDefinition({
    family: v1.family,
    networkMode: v1.networkMode,
    requiresCompatibilities: v1.requiresCompatibilities,
    cpu: v1.cpu,
    memory: v1.memory,
    containerDefinitions: v1.containerDefinitions!.map((c) => ({ ...c, image: "repo/api:v2" })),
  });
  return { ecs, elb, v1: taskDefinitionArn, v2 };
}

describe("followRollout", () => {
  it("completes when the new deployment is COMPLETED, telling each new service event once and never dipping below the minimum", async () => {
    const { ecs, elb, v2 } = await service();
    const start = cloud.clock.now();
    const deployment = await ecs.updateService("apps", "api", v2);
    expect(deployment).toMatchObject({ status: "PRIMARY", taskDefinition: v2, rolloutState: "IN_PROGRESS", desired: 2, running: 0 });
    // The service keeps its own settings: nothing but the task definition is sent.
    expect(Object.keys(cloud.callsOf("UpdateService")[0]!.input as object).sort()).toEqual(["cluster", "service", "taskDefinition"]);

    const snapshots: RolloutSnapshot[] = [];
    const outcome = await followRollout({
      ecs,
      elb,
      cluster: "apps",
      service: "api",
      deploymentId: deployment.id,
      timeoutMs: 10 * 60_000,
      clock: cloud.clock,
      onProgress: (s) => {
        snapshots.push(s);
        expect(cloud.ecsService("apps", "api")!.healthy).toBeGreaterThanOrEqual(2); // minimumHealthyPercent 100 of 2
      },
    });
    expect(outcome).toMatchObject({ status: "completed", deployment: { id: deployment.id, rolloutState: "COMPLETED", running: 2, desired: 2 } });
    // 40 s to start, 2 checks 15 s apart, 30 s draining: ECS is done at 100 s, and we notice within one 2 s poll.
    expect(cloud.clock.now() - start).toBeGreaterThanOrEqual(100_000);
    expect(cloud.clock.now() - start).toBeLessThanOrEqual(102_000);
    expect(snapshots.map((s) => s.running)).toContain(0);
    expect(snapshots.at(-1)).toMatchObject({ running: 2, pending: 0, desired: 2, rolloutState: "COMPLETED" });
    const told = snapshots.flatMap((s) => s.newEvents);
    // Every event ECS wrote during the rollout, each once, in order.
    expect(told).toEqual(cloud.ecsService("apps", "api")!.events.filter((e) => e.at >= start).map((e) => e.message));
    expect(told.filter((m) => /has started 1 tasks/.test(m))).toHaveLength(2);
    expect(told.filter((m) => /has reached a steady state/.test(m))).toHaveLength(1); // the rollout's, not the seed's older one
    expect(told.at(-1)).toBe("(service api) has reached a steady state.");
  });

  it("fails when the circuit breaker trips, with the crash's exit code and the rollback named", async () => {
    const { ecs, elb, v1, v2 } = await service({ circuitBreaker: true });
    cloud.imageTrouble("repo/api:v2", { stoppedReason: "Essential container in task exited", exitCode: 137 });
    const deployment = await ecs.updateService("apps", "api", v2);
    const logsCommand = "npm run orchestrate -- logs dev --since 1h";
    const outcome = await followRollout({ ecs, elb, cluster: "apps", service: "api", deploymentId: deployment.id, timeoutMs: 10 * 60_000, clock: cloud.clock, logsCommand });
    expect(outcome.status).toBe("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.reason).toBe(`the rollout failed: ECS deployment circuit breaker: tasks failed to start.; ECS is rolling back to ${v1}`);
    expect(outcome.evidence).toEqual([expect.stringMatching(/^[34] stopped tasks: Essential container in task exited; app: exit code 137 \(the server exited: read its logs with npm run orchestrate -- logs dev --since 1h\)$/)]);
  });

  it("times out on tasks that keep stopping without a circuit breaker, with the counts and the stop reasons", async () => {
    const { ecs, elb, v2 } = await service();
    cloud.imageTrouble("repo/api:v2", { stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)", containerReason: "CannotPullContainerError: ref not found" });
    const deployment = await ecs.updateService("apps", "api", v2);
    const outcome = await followRollout({ ecs, elb, cluster: "apps", service: "api", deploymentId: deployment.id, timeoutMs: 5 * 60_000, pollMs: 5_000, clock: cloud.clock });
    expect(outcome.status).toBe("timed-out");
    if (outcome.status !== "timed-out") return;
    expect(outcome.afterMs).toBe(5 * 60_000);
    expect(outcome.evidence[0]).toMatch(new RegExp(`^deployment ${deployment.id}: 0/2 tasks running, \\d pending, \\d+ failed, rollout IN_PROGRESS$`));
    expect(outcome.evidence[1]).toMatch(/^\d+ stopped tasks: CannotPullContainerError: pull image manifest has been retried 5 time\(s\); app: CannotPullContainerError: ref not found \(the image cannot be pulled/);
    expect(outcome.evidence).toHaveLength(2);
  });

  it("names the unhealthy targets when the new tasks never pass their health checks", async () => {
    const { ecs, elb, v2 } = await service({ graceSeconds: 600 });
    cloud.unhealthyImage("repo/api:v2", { reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [404]" });
    const deployment = await ecs.updateService("apps", "api", v2);
    const outcome = await followRollout({ ecs, elb, cluster: "apps", service: "api", deploymentId: deployment.id, timeoutMs: 3 * 60_000, clock: cloud.clock });
    expect(outcome.status).toBe("timed-out");
    expect(outcome.status === "timed-out" && outcome.evidence.slice(1)).toEqual([
      expect.stringMatching(/^target 10\.0\.\d+\.\d+:8000 unhealthy — Target\.ResponseCodeMismatch: Health checks failed with these codes: \[404\] \(the health check got the wrong status/),
      expect.stringMatching(/^target 10\.0\.\d+\.\d+:8000 unhealthy — Target\.ResponseCodeMismatch/),
    ]);
  });

  it("fails when another deployment replaces it", async () => {
    const { ecs, v1, v2 } = await service();
    const deployment = await ecs.updateService("apps", "api", v2);
    cloud.clock.advance(10_000);
    await ecs.updateService("apps", "api", v1);
    const outcome = await followRollout({ ecs, cluster: "apps", service: "api", deploymentId: deployment.id, timeoutMs: 60_000, clock: cloud.clock });
    expect(outcome).toEqual({ status: "failed", reason: `deployment ${deployment.id} is no longer the service's primary: ${v1} (deployment ${(await ecs.serviceDetails("apps", "api"))!.deployments[0]!.id}) replaced it`, evidence: [] });
  });

  it("stops at Ctrl-C: the signal's reason, and no look after it", async () => {
    const { ecs, v2 } = await service();
    const deployment = await ecs.updateService("apps", "api", v2);
    const ctrlC = new AbortController();
    let looks = 0;
    const following = followRollout({
      ecs,
      cluster: "apps",
      service: "api",
      deploymentId: deployment.id,
      timeoutMs: 10 * 60_000,
      clock: cloud.clock,
      signal: ctrlC.signal,
      onProgress: () => {
        looks += 1;
        if (looks === 3) ctrlC.abort(new Error("interrupted"));
      },
    });
    await expect(following).rejects.toThrow("interrupted");
    expect(looks).toBe(3);
    expect(cloud.callsOf("DescribeServices")).toHaveLength(3);
  });
});
