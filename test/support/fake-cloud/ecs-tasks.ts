/**
 * One task's life in the fake ECS: provisioning, RUNNING, the load balancer's health checks, draining, stopped.
 * Trouble a test seeded decides, when the container starts, whether it crashes or never passes its checks.
 *
 * As ECS reports it: a task is PROVISIONING/PENDING until its containers start; a stopped task keeps its
 * stoppedReason, stopCode and each container's exitCode and reason (DescribeTasks); a service behind a load
 * balancer registers each task's IP in the target group, where it is `initial` until HealthyThresholdCount
 * checks pass, and on the way out `draining` for the deregistration delay (ELBv2 DescribeTargetHealth).
 */
import { hashOf } from "./ids.js";
import {
  DEFAULT_TARGET_GROUP,
  isLive,
  taskId,
  type DeploymentRecord,
  type EcsTiming,
  type EcsTrouble,
  type ServiceRecord,
  type TargetGroupSettings,
  type TaskRecord,
  type Timeline,
  type UnhealthySeed,
} from "./ecs-state.js";

export interface TaskHost {
  timeline: Timeline;
  timing: EcsTiming;
  targetGroup(arn: string): TargetGroupSettings | undefined;
  troubleFor(task: TaskRecord): EcsTrouble | undefined;
  unhealthyFor(task: TaskRecord): UnhealthySeed | undefined;
  imageOf(taskDefinitionArn: string): { image: string; containerName: string };
  event(service: ServiceRecord, at: number, message: string): void;
  /** A task of this deployment failed (crashed, never started, failed its health checks). */
  taskFailed(service: ServiceRecord, deployment: DeploymentRecord, at: number): void;
}

const isPullFailure = (trouble: EcsTrouble) => /CannotPull|pull image/i.test(`${trouble.containerReason ?? ""} ${trouble.stoppedReason}`);

export class TaskLifecycle {
  private launched = 0;

  constructor(private readonly host: TaskHost) {}

  launch(service: ServiceRecord, deployment: DeploymentRecord, at: number): TaskRecord {
    const task = this.newTask(service, deployment, at);
    this.host.event(service, at, `(service ${service.name}) has started 1 tasks: (task ${taskId(task)}).`);
    this.host.timeline.at(at + this.host.timing.taskStartMs, (t) => this.containerStarts(service, task, t));
    return task;
  }

  /** A task that has been running all along (a stack seeded as deployed): RUNNING and healthy now. */
  seedRunning(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    const task = this.newTask(service, deployment, at);
    Object.assign(task, { lastStatus: "RUNNING", startedAt: at, target: service.loadBalancers.length > 0 ? "healthy" : "none" });
  }

  private newTask(service: ServiceRecord, deployment: DeploymentRecord, at: number): TaskRecord {
    const n = this.launched++;
    const { image, containerName } = this.host.imageOf(deployment.taskDefinition);
    const task: TaskRecord = {
      arn: `${service.clusterArn.replace(":cluster/", ":task/")}/${hashOf("task", service.arn, String(n)).slice(0, 32)}`,
      serviceName: service.name,
      deploymentId: deployment.id,
      taskDefinition: deployment.taskDefinition,
      image,
      containerName,
      ip: `10.0.${16 + Math.floor(n / 240)}.${10 + (n % 240)}`,
      lastStatus: "PROVISIONING",
      target: "none",
      createdAt: at,
    };
    service.tasks.push(task);
    return task;
  }

  /** Starts draining a task the scheduler no longer needs; without a load balancer it stops at once. */
  retire(service: ServiceRecord, task: TaskRecord, at: number): void {
    const reason = `Scaling activity initiated by (deployment ${task.deploymentId})`;
    const link = service.loadBalancers[0];
    if (!link || task.lastStatus !== "RUNNING") return this.stop(task, at, { stoppedReason: reason, stopCode: "ServiceSchedulerInitiated" });
    task.lastStatus = "DEACTIVATING";
    task.target = "draining";
    this.host.event(service, at, `(service ${service.name}) has begun draining connections on 1 tasks.`);
    this.host.event(service, at, `(service ${service.name}) deregistered 1 targets in (target-group ${link.targetGroupArn})`);
    const delay = this.settings(service).deregistrationDelayMs;
    this.host.timeline.at(at + delay, (t) => {
      this.stop(task, t, { stoppedReason: reason, stopCode: "ServiceSchedulerInitiated" });
      this.host.event(service, t, `(service ${service.name}) has stopped 1 running tasks: (task ${taskId(task)}).`);
    });
  }

  stop(task: TaskRecord, at: number, how: Pick<TaskRecord, "stoppedReason" | "stopCode" | "exitCode" | "containerReason">): void {
    if (task.lastStatus === "STOPPED") return;
    Object.assign(task, how, { lastStatus: "STOPPED", stoppedAt: at, target: "none" });
  }

  private containerStarts(service: ServiceRecord, task: TaskRecord, at: number): void {
    if (!isLive(task)) return;
    const trouble = this.host.troubleFor(task);
    if (trouble && isPullFailure(trouble)) return this.fail(service, task, at, trouble, "TaskFailedToStart");
    task.lastStatus = "RUNNING";
    task.startedAt = at;
    if (trouble) this.host.timeline.at(at + this.host.timing.crashAfterMs, (t) => this.fail(service, task, t, trouble, "EssentialContainerExited"));
    const link = service.loadBalancers[0];
    if (!link) return;
    task.target = "initial";
    this.host.event(service, at, `(service ${service.name}) registered 1 targets in (target-group ${link.targetGroupArn})`);
    const settings = this.settings(service);
    task.unhealthy = this.host.unhealthyFor(task);
    if (!task.unhealthy) {
      this.host.timeline.at(at + settings.intervalMs * settings.healthyThreshold, () => {
        if (task.lastStatus === "RUNNING" && task.target === "initial") task.target = "healthy";
      });
      return;
    }
    // The load balancer marks it unhealthy after UnhealthyThresholdCount failed checks; ECS ignores that until the
    // service's health check grace period has passed, then stops the task (ECS Developer Guide, health check grace period).
    const unhealthyAt = at + settings.intervalMs * settings.unhealthyThreshold;
    this.host.timeline.at(unhealthyAt, () => {
      if (task.lastStatus === "RUNNING") task.target = "unhealthy";
    });
    this.host.timeline.at(Math.max(unhealthyAt, at + service.healthCheckGracePeriodMs), (t) => {
      if (task.lastStatus !== "RUNNING") return;
      this.host.event(service, t, `(service ${service.name}) (task ${taskId(task)}) failed ELB health checks in (target-group ${link.targetGroupArn})`);
      this.stop(task, t, { stoppedReason: `Task failed ELB health checks in (target-group ${link.targetGroupArn})`, stopCode: "ServiceSchedulerInitiated", exitCode: 137 });
      this.failed(service, task, t);
    });
  }

  private fail(service: ServiceRecord, task: TaskRecord, at: number, trouble: EcsTrouble, stopCode: "EssentialContainerExited" | "TaskFailedToStart"): void {
    if (!isLive(task)) return;
    const pull = stopCode === "TaskFailedToStart";
    this.stop(task, at, {
      stoppedReason: trouble.stoppedReason,
      stopCode,
      // A container that never started has no exit code.
      exitCode: trouble.exitCode ?? (pull ? undefined : 1),
      containerReason: trouble.containerReason,
    });
    this.failed(service, task, at);
  }

  private failed(service: ServiceRecord, task: TaskRecord, at: number): void {
    const deployment = service.deployments.find((d) => d.id === task.deploymentId);
    if (deployment) this.host.taskFailed(service, deployment, at);
  }

  private settings(service: ServiceRecord): TargetGroupSettings {
    const arn = service.loadBalancers[0]?.targetGroupArn;
    return (arn ? this.host.targetGroup(arn) : undefined) ?? DEFAULT_TARGET_GROUP;
  }
}
