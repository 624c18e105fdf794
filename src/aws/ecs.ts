/**
 * The running service in the engine's own words: what ECS says about why tasks do not stay up, the service's
 * deployments as they roll out, and the two writes a hotswap needs (a new task definition revision, and the
 * service pointed at it).
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Deployment,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { hasErrorName, RetryingApi } from "./retry.js";

export interface ServiceState {
  readonly running: number;
  readonly desired: number;
  /** Newest first, as ECS keeps them. */
  readonly events: { at?: Date; message: string }[];
  readonly targetGroupArns: string[];
}

export interface StoppedTask {
  readonly taskArn: string;
  readonly stoppedReason?: string;
  readonly stopCode?: string;
  readonly stoppedAt?: Date;
  /** For a service's task, the deployment that started it (ecs-svc/…). */
  readonly startedBy?: string;
  readonly taskDefinitionArn?: string;
  readonly containers: { name: string; reason?: string; exitCode?: number }[];
}

/** One of the service's deployments (DescribeServices' Deployment), in the engine's words. */
export interface EcsDeployment {
  readonly id: string;
  readonly status: "PRIMARY" | "ACTIVE" | "INACTIVE" | string;
  /** Task definition ARN. */
  readonly taskDefinition: string;
  readonly rolloutState?: "IN_PROGRESS" | "COMPLETED" | "FAILED" | string;
  readonly rolloutStateReason?: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  readonly failedTasks: number;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
}

export interface ServiceDetails extends ServiceState {
  readonly serviceArn: string;
  /** The service's current (primary) task definition ARN. */
  readonly taskDefinition: string;
  readonly pending: number;
  /** PRIMARY first. */
  readonly deployments: EcsDeployment[];
  readonly deploymentConfiguration: {
    minimumHealthyPercent?: number;
    maximumPercent?: number;
    circuitBreaker?: { enable: boolean; rollback: boolean };
  };
  /** Newest first, as ECS keeps them. */
  readonly events: { id?: string; at?: Date; message: string }[];
}

export class EcsApi extends RetryingApi<ECSClient> {
  /** The service, or undefined when the cluster or service does not exist (e.g. a rolled-back create). */
  async service(cluster: string, service: string, eventLimit = 5): Promise<ServiceState | undefined> {
    const found = await this.describeService(cluster, service);
    if (!found) return undefined;
    return {
      running: found.runningCount ?? 0,
      desired: found.desiredCount ?? 0,
      events: (found.events ?? []).slice(0, eventLimit).map((e) => ({ at: e.createdAt, message: e.message ?? "" })),
      targetGroupArns: (found.loadBalancers ?? []).map((lb) => lb.targetGroupArn ?? "").filter(Boolean),
    };
  }

  /** DescribeServices for one service; a missing (failures: MISSING) or INACTIVE service is undefined. */
  private async describeService(cluster: string, service: string): Promise<Service | undefined> {
    try {
      const result = await this.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const found = result.services?.[0];
      return !found || found.status === "INACTIVE" ? undefined : found;
    } catch (error) {
      if (hasErrorName(error, "ClusterNotFoundException", "ServiceNotFoundException")) return undefined;
      throw error;
    }
  }

  /** The service with its deployments and settings, or undefined when the cluster or service does not exist. */
  async serviceDetails(cluster: string, service: string, eventLimit = 20): Promise<ServiceDetails | undefined> {
    const found = await this.describeService(cluster, service);
    if (!found) return undefined;
    const config = found.deploymentConfiguration;
    const breaker = config?.deploymentCircuitBreaker;
    return {
      serviceArn: found.serviceArn ?? "",
      taskDefinition: found.taskDefinition ?? "",
      running: found.runningCount ?? 0,
      desired: found.desiredCount ?? 0,
      pending: found.pendingCount ?? 0,
      deployments: (found.deployments ?? []).map(deploymentOf).sort((a, b) => Number(b.status === "PRIMARY") - Number(a.status === "PRIMARY")),
      deploymentConfiguration: {
        ...(config?.minimumHealthyPercent !== undefined ? { minimumHealthyPercent: config.minimumHealthyPercent } : {}),
        ...(config?.maximumPercent !== undefined ? { maximumPercent: config.maximumPercent } : {}),
        ...(breaker ? { circuitBreaker: { enable: breaker.enable === true, rollback: breaker.rollback === true } } : {}),
      },
      events: (found.events ?? []).slice(0, eventLimit).map((e) => ({ id: e.id, at: e.createdAt, message: e.message ?? "" })),
      targetGroupArns: (found.loadBalancers ?? []).map((lb) => lb.targetGroupArn ?? "").filter(Boolean),
    };
  }

  /** A task definition revision as registered (by family, family:revision or ARN). */
  async taskDefinition(arn: string): Promise<TaskDefinition> {
    const result = await this.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    if (!result.taskDefinition) throw new Error(`ECS returned no task definition for ${arn}`);
    return result.taskDefinition;
  }

  /** Registers a new revision of the family and returns its ARN. */
  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<string> {
    const result = await this.send(new RegisterTaskDefinitionCommand(input));
    const arn = result.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new Error(`ECS returned no ARN for the new revision of ${input.family}`);
    return arn;
  }

  /**
   * Points the service at a task definition, which starts a new deployment; returns it (the new PRIMARY).
   * Sends only cluster, service and task definition: the service keeps its own desired count and deployment
   * settings (minimum healthy percent, circuit breaker), so this never causes downtime the service would not allow.
   */
  async updateService(cluster: string, service: string, taskDefinitionArn: string): Promise<EcsDeployment> {
    const result = await this.send(new UpdateServiceCommand({ cluster, service, taskDefinition: taskDefinitionArn }));
    const primary = result.service?.deployments?.find((d) => d.status === "PRIMARY");
    if (!primary) throw new Error(`ECS reported no primary deployment for ${service} after the update`);
    return deploymentOf(primary);
  }

  /**
   * The service's most recently stopped tasks (ECS keeps them about an hour). When the service
   * itself is gone, its tasks are still found by their `service:<name>` group.
   */
  async stoppedTasks(cluster: string, service: string, limit = 10): Promise<StoppedTask[]> {
    let arns: string[];
    let byGroup = false;
    try {
      arns = await this.listStopped({ cluster, serviceName: service });
    } catch (error) {
      if (hasErrorName(error, "ClusterNotFoundException")) return [];
      if (!hasErrorName(error, "ServiceNotFoundException")) throw error;
      arns = await this.listStopped({ cluster });
      byGroup = true;
    }
    if (arns.length === 0) return [];
    // DescribeTasks takes at most 100 ARNs.
    const result = await this.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }));
    return (result.tasks ?? [])
      .filter((task) => !byGroup || task.group === `service:${service}`)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, limit)
      .map((task) => ({
        taskArn: task.taskArn ?? "",
        stoppedReason: task.stoppedReason,
        stopCode: task.stopCode,
        stoppedAt: task.stoppedAt,
        ...(task.startedBy !== undefined ? { startedBy: task.startedBy } : {}),
        ...(task.taskDefinitionArn !== undefined ? { taskDefinitionArn: task.taskDefinitionArn } : {}),
        containers: (task.containers ?? []).map((c) => ({ name: c.name ?? "", reason: c.reason, exitCode: c.exitCode })),
      }));
  }

  private async listStopped(filter: { cluster: string; serviceName?: string }): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(new ListTasksCommand({ ...filter, desiredStatus: "STOPPED", nextToken }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken && arns.length < 100);
    return arns;
  }
}

function deploymentOf(d: Deployment): EcsDeployment {
  return {
    id: d.id ?? "",
    status: d.status ?? "",
    taskDefinition: d.taskDefinition ?? "",
    ...(d.rolloutState !== undefined ? { rolloutState: d.rolloutState } : {}),
    ...(d.rolloutStateReason !== undefined ? { rolloutStateReason: d.rolloutStateReason } : {}),
    desired: d.desiredCount ?? 0,
    running: d.runningCount ?? 0,
    pending: d.pendingCount ?? 0,
    failedTasks: d.failedTasks ?? 0,
    ...(d.createdAt !== undefined ? { createdAt: d.createdAt } : {}),
    ...(d.updatedAt !== undefined ? { updatedAt: d.updatedAt } : {}),
  };
}
