/**
 * The fake ECS's records (services, deployments, tasks), its latencies, the trouble tests seed, and the timeline
 * on which tasks start, pass health checks, drain and stop in virtual time.
 */

/** Virtual latencies of an ECS rollout. Health checks and draining come from the service's target group. */
export interface EcsTiming {
  /** Fargate provisioning, image pull and container start, until the task is RUNNING. */
  taskStartMs: number;
  /** How long a container that crashes (seeded trouble) runs before it exits. */
  crashAfterMs: number;
  /** Pause before the service scheduler launches a replacement for a task that failed. */
  restartDelayMs: number;
}

export const DEFAULT_ECS_TIMING: EcsTiming = { taskStartMs: 40_000, crashAfterMs: 5_000, restartDelayMs: 15_000 };

/**
 * A target group's health check and draining, as the load balancer applies them. The defaults are ELBv2's own
 * for a target group created without them: HealthCheckIntervalSeconds 30, HealthyThresholdCount 5,
 * UnhealthyThresholdCount 2, deregistration_delay.timeout_seconds 300 (ELBv2 API Reference, CreateTargetGroup
 * and TargetGroupAttribute).
 */
export interface TargetGroupSettings {
  intervalMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelayMs: number;
}

export const DEFAULT_TARGET_GROUP: TargetGroupSettings = { intervalMs: 30_000, healthyThreshold: 5, unhealthyThreshold: 2, deregistrationDelayMs: 300_000 };

export interface EcsTrouble {
  /** The task's stoppedReason, e.g. "Essential container in task exited". */
  stoppedReason: string;
  /** The container's reason, e.g. "CannotPullContainerError: ...". A pull failure never reaches RUNNING. */
  containerReason?: string;
  exitCode?: number;
}

/** A target that fails the load balancer's health checks (Target.ResponseCodeMismatch, …). */
export interface UnhealthySeed {
  reason: string;
  description?: string;
}

export interface ServiceEvent {
  id: string;
  at: number;
  message: string;
}

export interface DeploymentRecord {
  id: string;
  status: "PRIMARY" | "ACTIVE";
  taskDefinition: string;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason: string;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
}

export type TaskStatus = "PROVISIONING" | "RUNNING" | "DEACTIVATING" | "STOPPED";
/** The task's target in the load balancer: "none" when the service has no target group. */
export type TargetState = "none" | "initial" | "healthy" | "unhealthy" | "draining";

export interface TaskRecord {
  arn: string;
  serviceName: string;
  deploymentId: string;
  taskDefinition: string;
  image: string;
  containerName: string;
  ip: string;
  lastStatus: TaskStatus;
  target: TargetState;
  unhealthy?: UnhealthySeed | undefined;
  createdAt: number;
  startedAt?: number | undefined;
  stoppedAt?: number | undefined;
  stoppedReason?: string | undefined;
  stopCode?: "EssentialContainerExited" | "TaskFailedToStart" | "ServiceSchedulerInitiated" | undefined;
  exitCode?: number | undefined;
  containerReason?: string | undefined;
}

export interface LoadBalancerLink {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
}

export interface ServiceRecord {
  arn: string;
  name: string;
  clusterArn: string;
  status: "ACTIVE" | "INACTIVE";
  desiredCount: number;
  taskDefinition: string;
  minimumHealthyPercent: number;
  maximumPercent: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
  loadBalancers: LoadBalancerLink[];
  healthCheckGracePeriodMs: number;
  /** PRIMARY first. */
  deployments: DeploymentRecord[];
  /** Oldest first (DescribeServices shows them newest first). */
  events: ServiceEvent[];
  tasks: TaskRecord[];
  /** What a circuit breaker's rollback returns to: the task definition of the last deployment that completed. */
  lastCompletedTaskDefinition?: string | undefined;
  /** After a failed task, the scheduler waits before it launches another. */
  nextLaunchAt: number;
  createdAt: number;
}

/** Tasks that count toward the service: not stopped, not on their way out. */
export const isLive = (task: TaskRecord) => task.lastStatus === "PROVISIONING" || task.lastStatus === "RUNNING";
/** RUNNING and, behind a load balancer, passing its health checks. */
export const isHealthy = (task: TaskRecord) => task.lastStatus === "RUNNING" && (task.target === "healthy" || task.target === "none");
export const taskId = (task: TaskRecord) => task.arn.split("/").pop() ?? task.arn;

/** Things that happen at a virtual time; the model runs them in order when someone looks. */
export class Timeline {
  private queue: { at: number; order: number; run: (at: number) => void }[] = [];
  private order = 0;

  constructor(public now: number) {}

  at(time: number, run: (at: number) => void): void {
    this.queue.push({ at: Math.max(time, this.now), order: this.order++, run });
  }

  /** Runs everything due up to `time`, calling `after` once each has run (the scheduler reacts). */
  advanceTo(time: number, after: (at: number) => void): void {
    for (;;) {
      const next = this.queue.reduce<(typeof this.queue)[number] | undefined>((a, b) => (!a || b.at < a.at || (b.at === a.at && b.order < a.order) ? b : a), undefined);
      if (!next || next.at > time) break;
      this.queue = this.queue.filter((e) => e !== next);
      this.now = Math.max(this.now, next.at);
      next.run(next.at);
      after(next.at);
    }
    this.now = Math.max(this.now, time);
  }
}
