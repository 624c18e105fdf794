/**
 * TEMPORARY seam: the real ECS layer (EcsApi's deployment calls, followRollout) once it lands on main.
 */
import type { AwsClients } from "../../aws/clients.js";
import type { RetryPolicy } from "../../aws/retry.js";
import type { FollowRollout, HotswapEcs } from "./ecs-port.js";

export interface EcsLayer {
  readonly ecs: HotswapEcs;
  readonly elb?: unknown;
  readonly follow: FollowRollout;
}

export function ecsLayer(_clients: AwsClients, _retry: RetryPolicy): EcsLayer {
  throw new Error("the ECS deployment layer is not available yet");
}
