/**
 * Whether the service is in the middle of another rollout that a hotswap must not cut short. A hotswap makes no
 * change set, so live-runs.ts cannot see one; the service's own deployments can. ECS: a deployment "begins in an
 * IN_PROGRESS state. When the service reaches a steady state, the deployment transitions to a COMPLETED state"
 * (API Reference, Deployment.rolloutState); UpdateService while one is IN_PROGRESS replaces it, and the run that
 * follows it fails with "replaced". One exception: a rollout that keeps failing (Deployment.failedTasks > 0, "the
 * number of consecutively failed tasks", reset once a task runs successfully) is a crash loop ECS retries for ever
 * without a circuit breaker; replacing it is how a developer ships the fix.
 */
import type { DeployedStack } from "../../aws/cloudformation.js";
import type { ServiceDetails } from "../../aws/ecs.js";
import { elapsed } from "../../duration.js";
import { clusterName, serviceName, type Environment } from "../../env/model.js";
import type { ServiceTarget } from "./swap.js";

/** The backend's ECS service, as the deployed stack names it (its ClusterName parameter and ServiceName output). */
export function serviceTarget(env: Environment, stack: Pick<DeployedStack, "parameters" | "outputs">): ServiceTarget {
  return { cluster: stack.parameters.ClusterName ?? clusterName(env), service: stack.outputs.ServiceName ?? serviceName(env) };
}

/** `service … is rolling out …:7 (rollout IN_PROGRESS, started 40s ago)`, or undefined when a hotswap may go ahead. */
export function rolloutUnderway(service: string, details: Pick<ServiceDetails, "deployments">, now: number): string | undefined {
  const primary = details.deployments.find((d) => d.status === "PRIMARY");
  if (!primary || primary.failedTasks > 0) return undefined;
  // rolloutState is only returned for rolling-update services; without it, a rollout is underway while older deployments remain.
  const underway = primary.rolloutState === undefined ? details.deployments.length > 1 : primary.rolloutState === "IN_PROGRESS";
  if (!underway) return undefined;
  const since = primary.createdAt ? `, started ${elapsed(Math.max(0, now - primary.createdAt.getTime()))} ago` : "";
  const revision = primary.taskDefinition.split("/").pop() ?? primary.taskDefinition;
  return `service ${service} is rolling out ${revision} (rollout ${primary.rolloutState ?? "IN_PROGRESS"}${since})`;
}
