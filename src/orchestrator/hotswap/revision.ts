/**
 * The next task definition revision of a hotswap: the running one as it is, with the new image on the app
 * container and the changed variables' new values. Pure. Everything else (roles, CPU, memory, secrets, log
 * configuration, health check) is carried over untouched, so only what CloudFormation would have changed does.
 */
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";
import { CONTAINER_NAME } from "../../templates/backend/shared.js";

export interface HotswapChange {
  /** The image URI by digest (`…/repo@sha256:…`). */
  readonly image?: string;
  /** Container variables to set: name → literal value (a hotswap sets every plain variable's desired value: desired-change.ts). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * What DescribeTaskDefinition returns but RegisterTaskDefinition does not accept: ECS sets these itself
 * (ECS API reference, TaskDefinition vs RegisterTaskDefinition request syntax).
 */
const READ_ONLY = ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt"] as const;

export function nextRevision(current: TaskDefinition, change: HotswapChange, tags: Readonly<Record<string, string>>): RegisterTaskDefinitionCommandInput {
  const registrable: Record<string, unknown> = { ...current };
  for (const key of READ_ONLY) delete registrable[key];
  const containers = current.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === CONTAINER_NAME)) {
    throw new Error(`task definition ${current.taskDefinitionArn} has no container named ${CONTAINER_NAME}, so there is nothing to hotswap: deploy without --hotswap`);
  }
  return {
    ...(registrable as Omit<RegisterTaskDefinitionCommandInput, "family" | "containerDefinitions">),
    family: current.family,
    containerDefinitions: containers.map((c) => (c.name === CONTAINER_NAME ? withChange(c, change) : c)),
    // As CloudFormation tags the revisions it registers (the stack's tags); `aws:` keys are reserved to AWS.
    tags: Object.entries(tags)
      .filter(([key]) => !key.startsWith("aws:"))
      .map(([key, value]) => ({ key, value })),
  };
}

function withChange(container: ContainerDefinition, change: HotswapChange): ContainerDefinition {
  const values = change.environment ?? {};
  const existing = container.environment ?? [];
  // A variable the template has but the running revision lacks (changed by hand) is set all the same.
  const missing = Object.keys(values).filter((name) => !existing.some((v) => v.name === name));
  return {
    ...container,
    ...(change.image ? { image: change.image } : {}),
    environment: [
      ...existing.map((v) => (v.name !== undefined && v.name in values ? { name: v.name, value: values[v.name] } : v)),
      ...missing.map((name) => ({ name, value: values[name] })),
    ],
  };
}
