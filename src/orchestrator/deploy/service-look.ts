/**
 * One look at the backend's ECS service for the live view: a single DescribeServices, reduced to the newest
 * PRIMARY deployment (the one this stack operation started; older ACTIVE ones are on their way out).
 */
import { EcsApi } from "../../aws/ecs.js";
import { clusterName, serviceName, type StackId } from "../../env/model.js";
import type { ServiceLook } from "./service-progress-watch.js";
import type { PostDeployDeps } from "./post-deploy.js";

export function serviceLook(deps: Pick<PostDeployDeps, "env" | "clients" | "retry">): (node: StackId) => ServiceLook | undefined {
  return (node) => {
    if (node !== "backend") return undefined;
    const ecs = new EcsApi(deps.clients.ecs, deps.retry);
    const cluster = clusterName(deps.env);
    const service = serviceName(deps.env);
    return async () => {
      // No events wanted: the counts are what the line shows; the 60 s watch tells stop causes.
      const details = await ecs.serviceDetails(cluster, service, 0);
      const primaries = (details?.deployments ?? []).filter((d) => d.status === "PRIMARY");
      const newest = primaries.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
      if (!newest) return undefined; // the cluster or service does not exist yet (or any more)
      // rolloutState is only returned for the rolling-update controller; without it the rollout's end is unknown.
      return { deploymentId: newest.id, running: newest.running, desired: newest.desired, pending: newest.pending, rolloutState: newest.rolloutState ?? "IN_PROGRESS" };
    };
  };
}
