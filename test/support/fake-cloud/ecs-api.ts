/**
 * The ECS commands the engine sends, answered from the fake's model in the API's shapes
 * (Amazon ECS API Reference: DescribeServices, UpdateService, RegisterTaskDefinition, DescribeTaskDefinition,
 * DeregisterTaskDefinition, ListTasks, DescribeTasks).
 */
import {
  ClientException,
  type DeregisterTaskDefinitionCommandInput,
  type DeregisterTaskDefinitionCommandOutput,
  type DescribeServicesCommandInput,
  type DescribeServicesCommandOutput,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  type RegisterTaskDefinitionCommandInput,
  type RegisterTaskDefinitionCommandOutput,
  type Service,
  type Task,
  type UpdateServiceCommandInput,
  type UpdateServiceCommandOutput,
} from "@aws-sdk/client-ecs";
import { isLive, type ServiceRecord, type TaskRecord } from "./ecs-state.js";
import { invalidParameter, type FakeEcs } from "./ecs.js";
import { awsError } from "./errors.js";
import { page, type Handlers, type Out, type World } from "./world.js";

/** ECS keeps stopped tasks visible for at least an hour (ListTasks, desiredStatus STOPPED). */
const STOPPED_VISIBLE_MS = 60 * 60_000;

export function ecsHandlers(ecs: FakeEcs, world: World): Handlers {
  const now = () => ecs.model.advance();
  const callerArn = `arn:aws:iam::${world.account}:user/fake-deployer`;
  return {
    DescribeServices(input: DescribeServicesCommandInput): Out<DescribeServicesCommandOutput> {
      now();
      const names = input.services ?? [];
      if (names.length > 10) throw invalidParameter("services can have at most 10 items.");
      const found = names.map((name) => ({ name, service: ecs.model.find(input.cluster, name) }));
      return {
        services: found.filter((f) => f.service).map((f) => serviceShape(f.service!)),
        failures: found.filter((f) => !f.service).map((f) => ({ arn: f.name, reason: "MISSING" })),
      };
    },
    UpdateService(input: UpdateServiceCommandInput): Out<UpdateServiceCommandOutput> {
      now();
      return { service: serviceShape(ecs.updateService(input)) };
    },
    RegisterTaskDefinition(input: RegisterTaskDefinitionCommandInput): Out<RegisterTaskDefinitionCommandOutput> {
      if (!input.family || !/^[A-Za-z0-9_-]{1,255}$/.test(input.family)) throw awsError(ClientException, "ClientException", "Family contains invalid characters or is empty.");
      if (!input.containerDefinitions?.length) throw awsError(ClientException, "ClientException", "Container list cannot be empty.");
      for (const c of input.containerDefinitions) {
        if (!c.name || !c.image) throw awsError(ClientException, "ClientException", "Container.name and Container.image should not be null or empty.");
      }
      return { taskDefinition: ecs.registry.register(input, callerArn), ...(input.tags ? { tags: input.tags } : {}) };
    },
    DescribeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Out<DescribeTaskDefinitionCommandOutput> {
      const found = ecs.registry.find(input.taskDefinition ?? "");
      if (!found) throw awsError(ClientException, "ClientException", "Unable to describe task definition.");
      return { taskDefinition: found };
    },
    DeregisterTaskDefinition(input: DeregisterTaskDefinitionCommandInput): Out<DeregisterTaskDefinitionCommandOutput> {
      const found = ecs.registry.deregister(input.taskDefinition ?? "");
      if (!found) throw awsError(ClientException, "ClientException", "The specified task definition does not exist.");
      return { taskDefinition: found };
    },
    ListTasks(input: ListTasksCommandInput): Out<ListTasksCommandOutput> {
      const at = now();
      const services = input.serviceName ? [ecs.mustFindService(input.cluster, input.serviceName)] : clusterServices(ecs, input.cluster);
      const wanted = input.desiredStatus ?? "RUNNING";
      const tasks = services
        .flatMap((s) => s.tasks)
        .filter((t) => (wanted === "STOPPED" ? t.lastStatus === "STOPPED" && at - (t.stoppedAt ?? at) <= STOPPED_VISIBLE_MS : isLive(t)))
        .map((t) => t.arn);
      const { items, next } = page(tasks, input.nextToken, Math.min(input.maxResults ?? 100, 100));
      return { taskArns: items, ...(next ? { nextToken: next } : {}) };
    },
    DescribeTasks(input: DescribeTasksCommandInput): Out<DescribeTasksCommandOutput> {
      now();
      if ((input.tasks ?? []).length > 100) throw invalidParameter("tasks can have at most 100 items.");
      const all = new Map(clusterServices(ecs, input.cluster).flatMap((s) => s.tasks.map((t) => [t.arn, { service: s, task: t }] as const)));
      const arns = input.tasks ?? [];
      return {
        tasks: arns.filter((arn) => all.has(arn)).map((arn) => taskShape(all.get(arn)!.service, all.get(arn)!.task)),
        failures: arns.filter((arn) => !all.has(arn)).map((arn) => ({ arn, reason: "MISSING" })),
      };
    },
  };
}

function clusterServices(ecs: FakeEcs, cluster: string | undefined): ServiceRecord[] {
  const name = (cluster ?? "default").split("/").pop();
  return [...ecs.model.services.values()].filter((s) => s.clusterArn.endsWith(`/${name}`));
}

function serviceShape(s: ServiceRecord): Service {
  const count = (deploymentId: string | undefined, status: string) =>
    s.tasks.filter((t) => (deploymentId === undefined || t.deploymentId === deploymentId) && t.lastStatus === status).length;
  return {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: s.clusterArn,
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: count(undefined, "RUNNING"),
    pendingCount: count(undefined, "PROVISIONING"),
    launchType: "FARGATE",
    taskDefinition: s.taskDefinition,
    deploymentConfiguration: {
      minimumHealthyPercent: s.minimumHealthyPercent,
      maximumPercent: s.maximumPercent,
      deploymentCircuitBreaker: { ...s.circuitBreaker },
    },
    loadBalancers: s.loadBalancers.map((l) => ({ ...l })),
    healthCheckGracePeriodSeconds: s.healthCheckGracePeriodMs / 1000,
    deployments: s.deployments.map((d, index) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      // The ACTIVE deployments are being scaled in: their desired count is what they still run.
      desiredCount: index === 0 ? s.desiredCount : s.tasks.filter((t) => t.deploymentId === d.id && isLive(t)).length,
      runningCount: count(d.id, "RUNNING"),
      pendingCount: count(d.id, "PROVISIONING"),
      failedTasks: d.failedTasks,
      launchType: "FARGATE",
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
    })),
    events: s.events
      .slice()
      .reverse()
      .map((e) => ({ id: e.id, createdAt: new Date(e.at), message: e.message })),
    createdAt: new Date(s.createdAt),
  };
}

function taskShape(s: ServiceRecord, t: TaskRecord): Task {
  const stopped = t.lastStatus === "STOPPED";
  return {
    taskArn: t.arn,
    clusterArn: s.clusterArn,
    taskDefinitionArn: t.taskDefinition,
    group: `service:${s.name}`,
    startedBy: t.deploymentId,
    lastStatus: t.lastStatus,
    desiredStatus: t.lastStatus === "PROVISIONING" || t.lastStatus === "RUNNING" ? "RUNNING" : "STOPPED",
    launchType: "FARGATE",
    createdAt: new Date(t.createdAt),
    ...(t.startedAt !== undefined ? { startedAt: new Date(t.startedAt) } : {}),
    ...(stopped ? { stoppedAt: new Date(t.stoppedAt!), stoppedReason: t.stoppedReason, stopCode: t.stopCode } : {}),
    containers: [
      {
        name: t.containerName,
        image: t.image,
        lastStatus: stopped ? "STOPPED" : t.lastStatus === "PROVISIONING" ? "PENDING" : "RUNNING",
        networkInterfaces: [{ privateIpv4Address: t.ip }],
        ...(t.containerReason !== undefined ? { reason: t.containerReason } : {}),
        ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
      },
    ],
  };
}
