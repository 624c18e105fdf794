/**
 * The running service in the engine's own words: what ECS says about why tasks do not stay up.
 * Read-only; it exists for the diagnosis of a failed deploy.
 */
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type ECSClient } from "@aws-sdk/client-ecs";
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
  readonly containers: { name: string; reason?: string; exitCode?: number }[];
}

export class EcsApi extends RetryingApi<ECSClient> {
  /** The service, or undefined when the cluster or service does not exist (e.g. a rolled-back create). */
  async service(cluster: string, service: string, eventLimit = 5): Promise<ServiceState | undefined> {
    try {
      const result = await this.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const found = result.services?.[0];
      if (!found || found.status === "INACTIVE") return undefined;
      return {
        running: found.runningCount ?? 0,
        desired: found.desiredCount ?? 0,
        events: (found.events ?? []).slice(0, eventLimit).map((e) => ({ at: e.createdAt, message: e.message ?? "" })),
        targetGroupArns: (found.loadBalancers ?? []).map((lb) => lb.targetGroupArn ?? "").filter(Boolean),
      };
    } catch (error) {
      if (hasErrorName(error, "ClusterNotFoundException", "ServiceNotFoundException")) return undefined;
      throw error;
    }
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
