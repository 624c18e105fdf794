/** The load balancer in the engine's own words: target health for a diagnosis, deletion protection for a teardown. */
import {
  DescribeTargetHealthCommand,
  ModifyLoadBalancerAttributesCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { hasErrorName, RetryingApi } from "./retry.js";

export interface TargetHealth {
  readonly id: string;
  readonly port?: number;
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

export class LoadBalancerApi extends RetryingApi<ElasticLoadBalancingV2Client> {
  /** Each registered target's state and, when not healthy, the load balancer's reason. */
  async targetHealth(targetGroupArn: string): Promise<TargetHealth[]> {
    try {
      const result = await this.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      return (result.TargetHealthDescriptions ?? []).map((d) => ({
        id: d.Target?.Id ?? "",
        port: d.Target?.Port,
        state: d.TargetHealth?.State ?? "unknown",
        reason: d.TargetHealth?.Reason,
        description: d.TargetHealth?.Description,
      }));
    } catch (error) {
      if (hasErrorName(error, "TargetGroupNotFoundException", "TargetGroupNotFound")) return [];
      throw error;
    }
  }

  /** Prod's load balancer refuses deletion while this is on, and CloudFormation cannot lift it for us. */
  async disableDeletionProtection(loadBalancerArn: string): Promise<void> {
    await this.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: loadBalancerArn, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }));
  }
}

/** The name the ECS layer's contract uses for the load balancer wrapper. */
export { LoadBalancerApi as ElbApi };
