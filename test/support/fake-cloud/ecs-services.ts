/**
 * ECS services and their deployments, rolling out over virtual time as the service scheduler does.
 *
 * From the Amazon ECS API Reference and Developer Guide:
 * - UpdateService with a new task definition starts a new PRIMARY deployment; the previous one becomes ACTIVE and
 *   its tasks are stopped as the new ones become healthy (Deployment.status).
 * - "maximumPercent ... upper limit on the number of your service's tasks that are allowed in the RUNNING or PENDING
 *   state during a deployment" (rounded down); "minimumHealthyPercent ... lower limit on the number of your service's
 *   tasks that must remain in the RUNNING state" (rounded up), healthy behind a load balancer (DeploymentConfiguration).
 * - rolloutState: "When a service deployment is started, it begins in an IN_PROGRESS state. When the service reaches
 *   a steady state, the deployment transitions to a COMPLETED state. If the service fails to reach a steady state and
 *   circuit breaker is turned on, the deployment transitions to a FAILED state. A deployment in FAILED state doesn't
 *   launch any new tasks." (Deployment.rolloutState)
 * - The circuit breaker's threshold is 0.5 × desired count, at least 3 and at most 200 failed tasks, and with
 *   rollback on it returns the service "to the last completed service revision" (ServiceDeploymentCircuitBreaker).
 */
import { TaskLifecycle, type TaskHost } from "./ecs-tasks.js";
import {
  isHealthy,
  isLive,
  Timeline,
  type DeploymentRecord,
  type EcsTiming,
  type LoadBalancerLink,
  type ServiceRecord,
} from "./ecs-state.js";
import type { World } from "./world.js";
import { hashOf } from "./ids.js";

export interface ServiceSpec {
  arn: string;
  desiredCount?: number | undefined;
  taskDefinition: string;
  minimumHealthyPercent?: number | undefined;
  maximumPercent?: number | undefined;
  circuitBreaker?: { enable: boolean; rollback: boolean } | undefined;
  loadBalancers?: LoadBalancerLink[] | undefined;
  healthCheckGracePeriodSeconds?: number | undefined;
}

/** ECS keeps a service's latest 100 events. */
const EVENT_LIMIT = 100;

export class EcsServices {
  readonly services = new Map<string, ServiceRecord>();
  readonly timeline: Timeline;
  private readonly tasks: TaskLifecycle;
  private deploymentCount = 0;

  constructor(
    private readonly world: World,
    host: Omit<TaskHost, "timeline" | "event" | "taskFailed" | "timing">,
    private readonly timing: EcsTiming,
  ) {
    this.timeline = new Timeline(world.clock.now());
    this.tasks = new TaskLifecycle({
      ...host,
      timing,
      timeline: this.timeline,
      event: (service, at, message) => this.event(service, at, message),
      taskFailed: (service, deployment, at) => this.taskFailed(service, deployment, at),
    });
  }

  /** Brings every service up to the current virtual time (or `time`, if later than what has run). */
  advance(time?: number): number {
    time ??= this.world.clock.now();
    this.timeline.advanceTo(time, (at) => this.reconcileAll(at));
    return this.timeline.now;
  }

  /** CreateService: the first deployment starts at once. */
  create(spec: ServiceSpec, time?: number, options: { steady?: boolean } = {}): ServiceRecord {
    const at = this.advance(time);
    const name = spec.arn.split("/").pop() ?? spec.arn;
    const service: ServiceRecord = {
      arn: spec.arn,
      name,
      clusterArn: spec.arn.replace(":service/", ":cluster/").split("/").slice(0, -1).join("/"),
      status: "ACTIVE",
      desiredCount: spec.desiredCount ?? 1,
      taskDefinition: spec.taskDefinition,
      minimumHealthyPercent: spec.minimumHealthyPercent ?? 100,
      maximumPercent: spec.maximumPercent ?? 200,
      circuitBreaker: spec.circuitBreaker ?? { enable: false, rollback: false },
      loadBalancers: spec.loadBalancers ?? [],
      healthCheckGracePeriodMs: (spec.healthCheckGracePeriodSeconds ?? 0) * 1000,
      deployments: [],
      events: [],
      tasks: [],
      nextLaunchAt: at,
      createdAt: at,
    };
    this.services.set(service.arn, service);
    const deployment = this.startDeployment(service, spec.taskDefinition, at, options.steady);
    if (options.steady) {
      for (let i = 0; i < service.desiredCount; i++) this.tasks.seedRunning(service, deployment, at);
      this.reconcile(service, at);
    }
    return service;
  }

  /**
   * UpdateService: a new deployment when the task definition changes (or a new one is forced); other settings
   * change in place. Returns the PRIMARY deployment.
   */
  update(service: ServiceRecord, change: Partial<Omit<ServiceSpec, "arn">> & { forceNewDeployment?: boolean | undefined }, time?: number): DeploymentRecord {
    const at = this.advance(time);
    if (change.desiredCount !== undefined) service.desiredCount = change.desiredCount;
    if (change.minimumHealthyPercent !== undefined) service.minimumHealthyPercent = change.minimumHealthyPercent;
    if (change.maximumPercent !== undefined) service.maximumPercent = change.maximumPercent;
    if (change.circuitBreaker !== undefined) service.circuitBreaker = change.circuitBreaker;
    if (change.healthCheckGracePeriodSeconds !== undefined) service.healthCheckGracePeriodMs = change.healthCheckGracePeriodSeconds * 1000;
    const newDefinition = change.taskDefinition !== undefined && change.taskDefinition !== service.taskDefinition;
    if (newDefinition || change.forceNewDeployment) this.startDeployment(service, change.taskDefinition ?? service.taskDefinition, at);
    else this.reconcile(service, at);
    return service.deployments[0]!;
  }

  /** DeleteService (by CloudFormation): its tasks stop and it turns INACTIVE. */
  delete(service: ServiceRecord, time?: number): void {
    const at = this.advance(time);
    service.status = "INACTIVE";
    service.desiredCount = 0;
    // DeleteService scales the service to zero first: its tasks stop as any scale-in's do.
    for (const task of service.tasks) this.tasks.stop(task, at, { stoppedReason: `Scaling activity initiated by (deployment ${task.deploymentId})`, stopCode: "ServiceSchedulerInitiated" });
  }

  find(cluster: string | undefined, service: string): ServiceRecord | undefined {
    if (service.startsWith("arn:")) return this.services.get(service);
    const clusterName = (cluster ?? "default").split("/").pop();
    return [...this.services.values()].find((s) => s.name === service && s.clusterArn.endsWith(`/${clusterName}`) && s.status === "ACTIVE")
      ?? [...this.services.values()].find((s) => s.name === service && s.clusterArn.endsWith(`/${clusterName}`));
  }

  private startDeployment(service: ServiceRecord, taskDefinition: string, at: number, quietly = false): DeploymentRecord {
    const previous = service.deployments[0];
    if (previous) previous.status = "ACTIVE";
    const deployment: DeploymentRecord = {
      id: `ecs-svc/${BigInt(`0x${hashOf("deployment", service.arn, String(this.deploymentCount++))}`).toString().slice(0, 19)}`,
      status: "PRIMARY",
      taskDefinition,
      rolloutState: "IN_PROGRESS",
      rolloutStateReason: "ECS deployment detected.",
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
    };
    service.deployments.unshift(deployment);
    service.taskDefinition = taskDefinition;
    service.nextLaunchAt = at;
    if (!quietly) this.reconcile(service, at);
    return deployment;
  }

  private reconcileAll(at: number): void {
    for (const service of this.services.values()) this.reconcile(service, at);
  }

  /** The service scheduler's step: launch within maximumPercent, stop old tasks within minimumHealthyPercent. */
  private reconcile(service: ServiceRecord, at: number): void {
    const primary = service.deployments[0];
    if (service.status !== "ACTIVE" || !primary) return;
    this.launchWithinMaximum(service, primary, at);
    this.retireWithinMinimum(service, primary, at);
    this.completeIfSteady(service, primary, at);
  }

  private launchWithinMaximum(service: ServiceRecord, primary: DeploymentRecord, at: number): void {
    if (primary.rolloutState === "FAILED") return;
    const ceiling = Math.max(1, Math.floor((service.desiredCount * service.maximumPercent) / 100));
    const ofPrimary = () => service.tasks.filter((t) => isLive(t) && t.deploymentId === primary.id).length;
    const live = () => service.tasks.filter(isLive).length;
    if (ofPrimary() < service.desiredCount && at < service.nextLaunchAt) {
      this.timeline.at(service.nextLaunchAt, () => {});
      return;
    }
    while (ofPrimary() < service.desiredCount && live() < ceiling) this.tasks.launch(service, primary, at);
  }

  private retireWithinMinimum(service: ServiceRecord, primary: DeploymentRecord, at: number): void {
    const floor = Math.ceil((service.desiredCount * service.minimumHealthyPercent) / 100);
    let healthy = service.tasks.filter(isHealthy).length;
    const old = service.tasks.filter((t) => isLive(t) && t.deploymentId !== primary.id);
    // Tasks that do not serve anyway go first; a healthy one only while enough others stay healthy.
    for (const task of [...old.filter((t) => !isHealthy(t)), ...old.filter(isHealthy)]) {
      if (!isHealthy(task)) this.tasks.retire(service, task, at);
      else if (healthy - 1 >= floor) {
        this.tasks.retire(service, task, at);
        healthy -= 1;
      }
    }
  }

  private completeIfSteady(service: ServiceRecord, primary: DeploymentRecord, at: number): void {
    if (primary.rolloutState !== "IN_PROGRESS") return;
    const serving = service.tasks.filter((t) => isHealthy(t) && t.deploymentId === primary.id).length;
    const others = service.tasks.some((t) => t.deploymentId !== primary.id && (isLive(t) || t.lastStatus === "DEACTIVATING"));
    if (serving !== service.desiredCount || others) return;
    Object.assign(primary, { rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${primary.id} completed.`, updatedAt: at });
    service.deployments = [primary];
    service.lastCompletedTaskDefinition = primary.taskDefinition;
    this.event(service, at, `(service ${service.name}) (deployment ${primary.id}) deployment completed.`);
    this.event(service, at, `(service ${service.name}) has reached a steady state.`);
  }

  private taskFailed(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    deployment.failedTasks += 1;
    deployment.updatedAt = at;
    service.nextLaunchAt = at + this.timing.restartDelayMs;
    const threshold = Math.min(200, Math.max(3, Math.ceil(0.5 * service.desiredCount)));
    const tripped = service.circuitBreaker.enable && deployment.status === "PRIMARY" && deployment.rolloutState === "IN_PROGRESS" && deployment.failedTasks >= threshold;
    if (!tripped) return;
    Object.assign(deployment, { rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start." });
    this.event(service, at, `(service ${service.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`);
    const back = service.lastCompletedTaskDefinition;
    if (!service.circuitBreaker.rollback || !back) return;
    const rollback = this.startDeployment(service, back, at);
    this.event(service, at, `(service ${service.name}) rolling back to deployment ${rollback.id}.`);
  }

  private event(service: ServiceRecord, at: number, message: string): void {
    service.events.push({ id: this.world.ids.uuid("ecs-event"), at, message });
    if (service.events.length > EVENT_LIMIT) service.events.shift();
  }
}
