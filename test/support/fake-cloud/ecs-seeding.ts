/** Seeding and inspecting the fake ECS directly: a service that has been running all along, and a view for assertions. */
import type { FakeEcs } from "./ecs.js";
import { isHealthy, type TaskRecord } from "./ecs-state.js";
import type { FakeElb } from "./elb.js";
import type { World } from "./world.js";

export interface ServiceSeed {
  cluster: string;
  name: string;
  image?: string;
  desiredCount?: number;
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  circuitBreaker?: { enable: boolean; rollback: boolean };
  /** Behind this target group (default: one of its own, checked every 15 s, healthy after 2, draining 30 s); null: none. */
  targetGroupArn?: string | null;
  healthCheckGracePeriodSeconds?: number;
  /** Default true: running, steady. False: just created, its first deployment starts now. */
  steady?: boolean;
}

/** A service as the fake ECS holds it, for assertions: counts by deployment, events oldest first. */
export interface EcsServiceView {
  arn: string;
  taskDefinition: string;
  desiredCount: number;
  running: number;
  /** RUNNING and passing the load balancer's health checks. */
  healthy: number;
  deployments: { id: string; status: string; taskDefinition: string; rolloutState: string; running: number; pending: number; failedTasks: number }[];
  events: { at: number; message: string }[];
  stoppedTasks: { taskDefinition: string; stoppedReason?: string | undefined; exitCode?: number | undefined }[];
}

/**
 * An ECS service that has been running, steady, all along (as if created long ago), with a task definition
 * registered for `image`. Services of stacks a test deploys or seeds come from CloudFormation instead.
 */
export function putService(ecs: FakeEcs, elb: FakeElb, world: World, options: ServiceSeed): { serviceArn: string; taskDefinitionArn: string } {
  let targetGroupArn = options.targetGroupArn ?? undefined;
  if (options.targetGroupArn === undefined) {
    targetGroupArn = `arn:aws:elasticloadbalancing:${world.region}:${world.account}:targetgroup/${options.name.slice(0, 24)}/${world.ids.fresh("target-group").slice(0, 16)}`;
    elb.targetGroups.set(targetGroupArn, { intervalMs: 15_000, healthyThreshold: 2, unhealthyThreshold: 3, deregistrationDelayMs: 30_000 });
  }
  const family = `${options.name}-family`;
  const definition = ecs.registry.register(
    { family, networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: options.image ?? "public.ecr.aws/docker/library/python:3.12-slim", essential: true }] },
    `arn:aws:iam::${world.account}:user/fake-seeder`,
  );
  const arn = `arn:aws:ecs:${world.region}:${world.account}:service/${options.cluster}/${options.name}`;
  ecs.model.create(
    {
      arn,
      taskDefinition: definition.taskDefinitionArn!,
      desiredCount: options.desiredCount,
      minimumHealthyPercent: options.minimumHealthyPercent,
      maximumPercent: options.maximumPercent,
      circuitBreaker: options.circuitBreaker,
      healthCheckGracePeriodSeconds: options.healthCheckGracePeriodSeconds,
      loadBalancers: targetGroupArn ? [{ targetGroupArn, containerName: "app", containerPort: 8000 }] : [],
    },
    undefined,
    { steady: options.steady ?? true },
  );
  return { serviceArn: arn, taskDefinitionArn: definition.taskDefinitionArn! };
}

/** The service as the fake ECS holds it now (by name in a cluster, or by ARN). */
export function ecsServiceView(ecs: FakeEcs, cluster: string, service: string): EcsServiceView | undefined {
  const { model } = ecs;
  model.advance();
  const s = model.find(cluster, service);
  if (!s) return undefined;
  const live = (t: TaskRecord) => t.lastStatus === "RUNNING";
  return {
    arn: s.arn,
    taskDefinition: s.taskDefinition,
    desiredCount: s.desiredCount,
    running: s.tasks.filter(live).length,
    healthy: s.tasks.filter(isHealthy).length,
    deployments: s.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      rolloutState: d.rolloutState,
      running: s.tasks.filter((t) => t.deploymentId === d.id && live(t)).length,
      pending: s.tasks.filter((t) => t.deploymentId === d.id && t.lastStatus === "PROVISIONING").length,
      failedTasks: d.failedTasks,
    })),
    events: s.events.map((e) => ({ at: e.at, message: e.message })),
    stoppedTasks: s.tasks.filter((t) => t.lastStatus === "STOPPED").map((t) => ({ taskDefinition: t.taskDefinition, stoppedReason: t.stoppedReason, exitCode: t.exitCode })),
  };
}
