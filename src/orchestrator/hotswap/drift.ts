/**
 * A hotswap leaves the service on a task definition revision CloudFormation did not make. That is drift,
 * and it is shown (`status`) and healed (the next deploy puts the service back on the stack's revision).
 */
import { clusterName, serviceName, type Environment } from "../../env/model.js";
import { CONTAINER_NAME } from "../../templates/backend/shared.js";
import type { AwsClients } from "../../aws/clients.js";
import type { RetryPolicy } from "../../aws/retry.js";
import type { EcsApi } from "../../aws/ecs.js";
import { ecsLayer } from "./ecs-wiring.js";

export interface ServiceDrift {
  readonly cluster: string;
  readonly service: string;
  /** The revision the service runs, and the one the backend stack declares (its TaskDefinitionArn output). */
  readonly running: string;
  readonly declared: string;
}

/** The drift, or undefined when the service runs the stack's own revision (or there is no service to compare). */
export async function serviceDrift(ecs: Pick<EcsApi, "serviceDetails">, env: Environment, backendOutputs: Readonly<Record<string, string>>): Promise<ServiceDrift | undefined> {
  const declared = backendOutputs.TaskDefinitionArn;
  if (!declared) return undefined;
  const target = { cluster: clusterName(env), service: backendOutputs.ServiceName ?? serviceName(env) };
  const details = await ecs.serviceDetails(target.cluster, target.service);
  if (!details || details.taskDefinition === declared) return undefined;
  return { ...target, running: details.taskDefinition, declared };
}

/** `backend: service runs image X (hotswapped at T) — CloudFormation has Y; the next deploy restores it`. */
export async function driftText(ecs: Pick<EcsApi, "taskDefinition">, drift: ServiceDrift): Promise<string> {
  const [running, declared] = await Promise.all([ecs.taskDefinition(drift.running), ecs.taskDefinition(drift.declared)]);
  const image = (definition: typeof running) => shortImage(definition.containerDefinitions?.find((c) => c.name === CONTAINER_NAME)?.image ?? "(unknown image)");
  const at = running.registeredAt ? ` (hotswapped at ${running.registeredAt.toISOString()})` : " (hotswapped)";
  return `backend: service runs image ${image(running)}${at} — CloudFormation has ${image(declared)}; the next deploy restores it`;
}

/** `alert-engine-dev@sha256:0123456789ab`: the repository and enough of the digest to tell two pushes apart. */
export function shortImage(uri: string): string {
  const name = uri.split("/").pop() ?? uri;
  return name.replace(/@sha256:([0-9a-f]{12})[0-9a-f]*$/, "@sha256:$1");
}

/** For `status`: the backend's drift in words, or undefined when there is none. */
export function hotswapDriftText(clients: AwsClients, retry: RetryPolicy, env: Environment): (backendOutputs: Record<string, string>) => Promise<string | undefined> {
  return async (outputs) => {
    const { ecs } = ecsLayer(clients, retry);
    try {
      const drift = await serviceDrift(ecs, env, outputs);
      return drift && (await driftText(ecs, drift));
    } catch (error) {
      // status is read-only and reports what it can: an ECS read that fails is said, not fatal.
      return `backend: could not compare the service with the stack (${(error as Error).message})`;
    }
  };
}
