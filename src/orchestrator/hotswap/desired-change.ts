/**
 * What a hotswap's revision sets on the app container: the desired image and every plain variable's desired value,
 * not only what differs from the stack. The revision is built on the service's running definition, which an
 * earlier hotswap may have made; a value that hotswap changed and the desired state has set back (a variable, the
 * image tag) would otherwise be carried over. Eligibility (eligibility.ts) has already refused every other
 * difference, so the desired values are all a revision of the running definition needs.
 */
import { CONTAINER_NAME } from "../../templates/backend/shared.js";
import { IMAGE_PARAMETER, type StackRecord } from "./eligibility.js";
import type { HotswapChange } from "./revision.js";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function desiredChange(desired: StackRecord): HotswapChange {
  const image = desired.parameters[IMAGE_PARAMETER];
  const environment = Object.fromEntries(appVariables(desired.template).filter((v): v is { Name: string; Value: string } => typeof v.Value === "string").map((v) => [v.Name, v.Value]));
  return { ...(image !== undefined ? { image } : {}), environment };
}

/** The app container's Environment in the backend template; an intrinsic's value (not a string) is CloudFormation's to resolve. */
function appVariables(template: unknown): { Name: string; Value?: unknown }[] {
  const resources = isRecord(template) && isRecord(template.Resources) ? Object.values(template.Resources) : [];
  for (const resource of resources) {
    if (!isRecord(resource) || resource.Type !== "AWS::ECS::TaskDefinition" || !isRecord(resource.Properties)) continue;
    const containers = Array.isArray(resource.Properties.ContainerDefinitions) ? resource.Properties.ContainerDefinitions : [];
    const app = containers.find((c): c is Record<string, unknown> => isRecord(c) && c.Name === CONTAINER_NAME);
    const list = app && Array.isArray(app.Environment) ? app.Environment : [];
    return list.filter((v): v is { Name: string; Value?: unknown } => isRecord(v) && typeof v.Name === "string");
  }
  return [];
}
