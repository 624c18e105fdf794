/** The ECS layer a hotswap drives: the service's API, target health for the evidence, and the rollout follower. */
import type { AwsClients } from "../../aws/clients.js";
import { EcsApi } from "../../aws/ecs.js";
import { ElbApi } from "../../aws/elbv2.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { followRollout } from "../rollout.js";

export interface EcsLayer {
  readonly ecs: EcsApi;
  readonly elb?: ElbApi;
  readonly follow: typeof followRollout;
}

export function ecsLayer(clients: AwsClients, retry: RetryPolicy): EcsLayer {
  return { ecs: new EcsApi(clients.ecs, retry), elb: new ElbApi(clients.elbv2, retry), follow: followRollout };
}
