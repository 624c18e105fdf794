/**
 * The fake ECS behaves as the ECS API reference says, because hotswap, express mode and the live view are only
 * as trustworthy as the rollouts they are tested against: task definitions with revisions, deployments that roll
 * out over virtual time within minimumHealthyPercent/maximumPercent, the circuit breaker, and CloudFormation
 * waiting for the service to be steady.
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, describe, expect, it } from "vitest";
import { clusterName, serviceName, stackName } from "../src/env/model.js";
import { deployHarness, fakeCredentialsClients, type Harness } from "./support/deploy-harness.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const WEB: RegisterTaskDefinitionCommandInput = {
  family: "web",
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "256",
  memory: "512",
  containerDefinitions: [{ name: "app", image: "repo/web:v1", essential: true, environment: [{ name: "MODE", value: "a" }] }],
};

describe("task definitions", () => {
  let cloud: FakeCloud;
  afterEach(() => cloud.restore());

  it("registers revisions family:1, family:2 and describes them as registered, with the fields ECS adds", async () => {
    cloud = createFakeCloud();
    const ecs = fakeCredentialsClients().ecs;
    const first = (await ecs.send(new RegisterTaskDefinitionCommand(WEB))).taskDefinition!;
    expect(first.taskDefinitionArn).toBe("arn:aws:ecs:us-east-2:123456789012:task-definition/web:1");
    const described = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:1" }))).taskDefinition!;
    expect(described).toMatchObject({ ...WEB, revision: 1, status: "ACTIVE", compatibilities: ["EC2", "FARGATE"], registeredBy: expect.stringContaining(":user/") });
    expect(described.registeredAt).toBeInstanceOf(Date);
    expect(described.requiresAttributes).toContainEqual({ name: "ecs.capability.task-eni" });

    // A described definition sent back: the SDK's serializer drops the read-only members, and so does the fake.
    const again = { ...described, containerDefinitions: [{ ...described.containerDefinitions![0]!, image: "repo/web:v2" }] } as RegisterTaskDefinitionCommandInput;
    const second = (await ecs.send(new RegisterTaskDefinitionCommand(again))).taskDefinition!;
    expect(second).toMatchObject({ taskDefinitionArn: expect.stringMatching(/task-definition\/web:2$/), revision: 2 });
    const latest = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web" }))).taskDefinition!;
    expect(latest.containerDefinitions![0]!.image).toBe("repo/web:v2");
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:9" }))).rejects.toMatchObject({ name: "ClientException" });
    await expect(ecs.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [] }))).rejects.toMatchObject({ name: "ClientException" });
  });
});

/** The dev backend, deployed through CloudFormation against the fake: one task behind the ALB, min 100 %, max 200 %. */
async function deployedDev(): Promise<{ h: Harness; ecs: ECSClient; cluster: string; service: string }> {
  const h = deployHarness();
  const report = await h.deploy("dev");
  expect(report.results.get("backend")?.kind).toBe("deployed");
  const env = h.environment("dev");
  return { h, ecs: h.clients.ecs, cluster: clusterName(env), service: serviceName(env) };
}

/** A new revision of the service's task definition with another image, as a hotswap registers it. */
async function newRevision(ecs: ECSClient, cluster: string, service: string, image: string): Promise<string> {
  const current = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
  const definition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current.taskDefinition }))).taskDefinition!;
  const containers = definition.containerDefinitions!.map((c) => ({ ...c, image }));
  return (await ecs.send(new RegisterTaskDefinitionCommand({ ...(definition as RegisterTaskDefinitionCommandInput), containerDefinitions: containers }))).taskDefinition!.taskDefinitionArn!;
}

describe("services from CloudFormation", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("creates the template's service with its deployment settings, and CloudFormation waits until it is steady", async () => {
    const dev = await deployedDev();
    h = dev.h;
    const found = (await dev.ecs.send(new DescribeServicesCommand({ cluster: dev.cluster, services: [dev.service] }))).services![0]!;
    expect(found).toMatchObject({
      status: "ACTIVE",
      desiredCount: 1,
      runningCount: 1,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: false, rollback: false } },
      deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", runningCount: 1, desiredCount: 1 }],
    });
    expect(found.events![0]!.message).toBe(`(service ${dev.service}) has reached a steady state.`);
    expect(found.events!.every((e) => e.id && e.createdAt instanceof Date)).toBe(true);
    // The service runs the revision CloudFormation registered from the template.
    const definition = (await dev.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: found.taskDefinition }))).taskDefinition!;
    expect(definition.containerDefinitions![0]).toMatchObject({ name: "mcp-server", image: expect.stringMatching(/\/alert-engine-dev@sha256:[0-9a-f]{64}$/) });

    // Task start (40 s) plus two passing health checks 15 s apart: longer than CloudFormation's own 60 s.
    const events = h.cloud.stack(stackName(h.environment("dev"), "backend"))!.events.filter((e) => e.logicalId === "Service");
    const took = events.find((e) => e.status === "CREATE_COMPLETE")!.at - events.find((e) => e.status === "CREATE_IN_PROGRESS")!.at;
    expect(took).toBeGreaterThanOrEqual(70_000);
    // ELB sees the task that ECS registered, healthy.
    const health = await dev.h.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: found.loadBalancers![0]!.targetGroupArn }));
    expect(health.TargetHealthDescriptions!.map((d) => d.TargetHealth!.State)).toEqual(["healthy"]);
  });

  it("UpdateService rolls out a new PRIMARY without going below the minimum healthy or above the maximum", async () => {
    const dev = await deployedDev();
    h = dev.h;
    const arn = await newRevision(dev.ecs, dev.cluster, dev.service, "repo/app:v2");
    const start = h.cloud.clock.now();
    const updated = (await dev.ecs.send(new UpdateServiceCommand({ cluster: dev.cluster, service: dev.service, taskDefinition: arn }))).service!;
    expect(updated.deployments!.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "COMPLETED"]]);
    expect(updated.deployments![0]!.taskDefinition).toBe(arn);

    const states = new Set<string>();
    let completedAt: number | undefined;
    for (let t = 0; t < 5 * 60 && completedAt === undefined; t++) {
      h.cloud.clock.advance(1_000);
      const view = h.cloud.ecsService(dev.cluster, dev.service)!;
      const live = view.deployments.reduce((n, d) => n + d.running + d.pending, 0);
      expect(view.healthy).toBeGreaterThanOrEqual(1); // minimumHealthyPercent 100 of 1: no downtime
      expect(live).toBeLessThanOrEqual(2); // maximumPercent 200 of 1
      states.add(view.deployments.map((d) => `${d.status}:${d.running}/${d.pending}`).join(" "));
      if (view.deployments.length === 1 && view.deployments[0]!.rolloutState === "COMPLETED") completedAt = h.cloud.clock.now();
    }
    // Start (40 s) + 2 health checks (30 s) + draining the old task (the template's 30 s).
    expect(completedAt! - start).toBe(100_000);
    expect([...states]).toContain("PRIMARY:1/0 ACTIVE:1/0");
    const messages = h.cloud.ecsService(dev.cluster, dev.service)!.events.filter((e) => e.at >= start).map((e) => e.message.replace(/\(task \w+\)/, "(task …)"));
    expect(messages).toEqual([
      `(service ${dev.service}) has started 1 tasks: (task …).`,
      expect.stringMatching(/registered 1 targets in \(target-group arn:aws:elasticloadbalancing:/),
      `(service ${dev.service}) has begun draining connections on 1 tasks.`,
      expect.stringMatching(/deregistered 1 targets in \(target-group /),
      `(service ${dev.service}) has stopped 1 running tasks: (task …).`,
      expect.stringMatching(/^\(service [\w-]+\) \(deployment ecs-svc\/\d+\) deployment completed\.$/),
      `(service ${dev.service}) has reached a steady state.`,
    ]);
  });

  it("a CloudFormation update whose image never starts keeps the service UPDATE_IN_PROGRESS, as CloudFormation waits for it", async () => {
    const dev = await deployedDev();
    h = dev.h;
    const { digest } = h.cloud.putImage("alert-engine-dev", "broken");
    h.cloud.imageTrouble(digest, { stoppedReason: "Essential container in task exited", exitCode: 2 });
    const env = { ...h.environment("dev"), imageTag: "broken" };
    const backend = stackName(env, "backend");
    let startedAt: number | undefined;
    let seen: { status: string; view: ReturnType<FakeCloud["ecsService"]> } | undefined;
    // Looks in on the backend while the engine waits for it; ten minutes in, well past CloudFormation's own 60 s for the resource.
    const report = await h.deploy("dev", {
      env,
      watchWhileDeploying: (node) =>
        node !== "backend"
          ? undefined
          : async () => {
              const service = h.cloud.stack(backend)!.resources["Service"]!;
              if (service.status === "UPDATE_IN_PROGRESS") startedAt ??= h.cloud.clock.now();
              if (startedAt !== undefined && !seen && h.cloud.clock.now() - startedAt >= 10 * 60_000) {
                seen = { status: service.status, view: h.cloud.ecsService(dev.cluster, dev.service) };
                h.cloud.failResource({ stack: backend, logicalId: "Service", operation: "update" });
              }
              return [];
            },
    });
    expect(seen?.status).toBe("UPDATE_IN_PROGRESS");
    expect(seen!.view!.deployments[0]).toMatchObject({ status: "PRIMARY", rolloutState: "IN_PROGRESS" });
    expect(seen!.view!.deployments[0]!.failedTasks).toBeGreaterThanOrEqual(5);
    expect(seen!.view!.healthy).toBe(1); // the old task keeps serving
    expect(report.results.get("backend")?.kind).toBe("failed");
    // The update rollback put the service back on the task definition it ran before.
    const after = h.cloud.ecsService(dev.cluster, dev.service)!;
    expect(after.taskDefinition).toBe(seen!.view!.deployments[1]!.taskDefinition);
  });
});

describe("the circuit breaker and failing tasks", () => {
  let cloud: FakeCloud;
  afterEach(() => cloud.restore());

  async function serviceWith(circuitBreaker: { enable: boolean; rollback: boolean }) {
    cloud = createFakeCloud();
    const { taskDefinitionArn } = cloud.putService({ cluster: "apps", name: "api", image: "repo/api:v1", desiredCount: 2, circuitBreaker });
    const ecs = fakeCredentialsClients().ecs;
    const definition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }))).taskDefinition!;
    const containers = definition.containerDefinitions!.map((c) => ({ ...c, image: "repo/api:v2" }));
    const v2 = (await ecs.send(new RegisterTaskDefinitionCommand({ ...(definition as RegisterTaskDefinitionCommandInput), containerDefinitions: containers }))).taskDefinition!.taskDefinitionArn!;
    cloud.imageTrouble("repo/api:v2", { stoppedReason: "Essential container in task exited", containerReason: undefined, exitCode: 137 });
    await ecs.send(new UpdateServiceCommand({ cluster: "apps", service: "api", taskDefinition: v2 }));
    return { ecs, v1: taskDefinitionArn, v2 };
  }

  it("with rollback on: FAILED after 3 failed tasks, then ECS rolls back to the last completed task definition", async () => {
    const { v1, v2 } = await serviceWith({ enable: true, rollback: true });
    cloud.clock.advance(10 * 60_000);
    const view = cloud.ecsService("apps", "api")!;
    expect(view.taskDefinition).toBe(v1);
    expect(view.deployments).toEqual([expect.objectContaining({ status: "PRIMARY", taskDefinition: v1, rolloutState: "COMPLETED" })]);
    expect(view.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/deployment failed: tasks failed to start\.$/));
    const crashed = view.stoppedTasks.filter((t) => t.taskDefinition === v2);
    // Two tasks at a time: the second pair's crashes take the count past the threshold of 3 together.
    expect(crashed.length).toBeGreaterThanOrEqual(3);
    expect(crashed.length).toBeLessThanOrEqual(4);
    expect(crashed[0]).toMatchObject({ stoppedReason: "Essential container in task exited", exitCode: 137 });
    expect(view.healthy).toBe(2);
  });

  it("without it: the deployment stays IN_PROGRESS, tasks stopping again and again, the old tasks serving", async () => {
    await serviceWith({ enable: false, rollback: false });
    cloud.clock.advance(10 * 60_000);
    const view = cloud.ecsService("apps", "api")!;
    expect(view.deployments.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "COMPLETED"]]);
    expect(view.deployments[0]!.failedTasks).toBeGreaterThan(10);
    expect(view.healthy).toBe(2);
  });
});

describe("target health from the model", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("shows a new task initial, then unhealthy with the seeded reason, until ECS stops it", async () => {
    const dev = await deployedDev();
    h = dev.h;
    h.cloud.unhealthyImage("repo/app:sick", { reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [500]" });
    const arn = await newRevision(dev.ecs, dev.cluster, dev.service, "repo/app:sick");
    const service = (await dev.ecs.send(new UpdateServiceCommand({ cluster: dev.cluster, service: dev.service, taskDefinition: arn }))).service!;
    const group = service.loadBalancers![0]!.targetGroupArn!;
    const states = async () => (await h.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions!.map((d) => d.TargetHealth!.State).sort();
    h.cloud.clock.advance(41_000);
    expect(await states()).toEqual(["healthy", "initial"]);
    h.cloud.clock.advance(45_000); // three failed checks 15 s apart (the template's UnhealthyThresholdCount)
    const sick = (await h.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions!.find((d) => d.TargetHealth!.State === "unhealthy");
    expect(sick!.TargetHealth).toEqual({ State: "unhealthy", Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [500]" });
    h.cloud.clock.advance(60_000); // past the service's 90 s grace period, ECS stops it
    expect(h.cloud.ecsService(dev.cluster, dev.service)!.stoppedTasks).toContainEqual(expect.objectContaining({ stoppedReason: expect.stringMatching(/^Task failed ELB health checks in \(target-group /) }));
  });
});
