/**
 * Whether a stack can be hotswapped: the one judgment `deploy --hotswap` rests on. Pure: the deployed
 * template and parameters against the desired ones. Only two kinds of difference can skip CloudFormation:
 * the backend's ImageUri parameter, and literal-string values of existing variables in the task
 * definition's container Environment. Everything else (another parameter, any other template change,
 * a variable added or removed, a value that is an intrinsic, Secrets, tags, termination protection)
 * needs a change set, and the verdict says what it is in words.
 */
import type { StackId } from "../../env/model.js";
import { canonicalJson } from "../../canonical-json.js";
import { CONTAINER_NAME } from "../../templates/backend/shared.js";
import { isUpdatable } from "../stack-status.js";
import { differingPaths, pathText } from "./json-differences.js";

/** The stack whose task definition a hotswap changes, and the parameter that carries its image. */
export const HOTSWAP_STACK: StackId = "backend";
export const IMAGE_PARAMETER = "ImageUri";
const TASK_DEFINITION_TYPE = "AWS::ECS::TaskDefinition";

export type HotswapVerdict =
  | { readonly kind: "unchanged" }
  /** What to change on the running service: the new image URI (by digest) and the changed variables' new values. */
  | { readonly kind: "hotswappable"; readonly image?: string; readonly environment?: Readonly<Record<string, string>> }
  | { readonly kind: "not-hotswappable"; readonly differences: readonly string[] };

export interface StackRecord {
  /** Template as parsed JSON; undefined when there is none or it is not JSON. */
  readonly template: unknown;
  readonly parameters: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
}

export interface StackToJudge {
  readonly node: StackId;
  /** undefined: the stack does not exist. */
  readonly deployed?: StackRecord & { readonly status: string };
  /** The desired stack, or why its parameters could not be resolved (a producer not deployed). */
  readonly desired: StackRecord | { readonly problem: string };
}

export function hotswapVerdict(stack: StackToJudge): HotswapVerdict {
  const { node, deployed, desired } = stack;
  const refuse = (...differences: string[]): HotswapVerdict => ({ kind: "not-hotswappable", differences: differences.map((d) => `${node}: ${d}`) });
  if (!deployed || deployed.status === "REVIEW_IN_PROGRESS") return refuse("not deployed yet (a first deploy goes through CloudFormation)");
  if (!isUpdatable(deployed.status)) return refuse(`stack is ${deployed.status}, not a settled deployed state`);
  if ("problem" in desired) return refuse(desired.problem);
  if (deployed.template === undefined) return refuse("deployed template could not be read as JSON");

  const differences = [
    ...recordDifferences("parameter", deployed.parameters, desired.parameters, (key) => node === HOTSWAP_STACK && key === IMAGE_PARAMETER),
    ...recordDifferences("tag", deployed.tags, desired.tags, () => false),
    ...(deployed.terminationProtection === desired.terminationProtection ? [] : ["termination protection changed"]),
  ];
  const environment = environmentChanges(node, deployed.template, desired.template);
  differences.push(...environment.differences);
  if (differences.length > 0) return refuse(...differences);

  const image = deployed.parameters[IMAGE_PARAMETER] === desired.parameters[IMAGE_PARAMETER] ? undefined : desired.parameters[IMAGE_PARAMETER];
  const changedVariables = Object.keys(environment.values).length > 0 ? environment.values : undefined;
  if (image === undefined && changedVariables === undefined) return { kind: "unchanged" };
  return { kind: "hotswappable", ...(image !== undefined ? { image } : {}), ...(changedVariables ? { environment: changedVariables } : {}) };
}

function recordDifferences(what: string, deployed: Readonly<Record<string, string>>, desired: Readonly<Record<string, string>>, hotswappable: (key: string) => boolean): string[] {
  return [...new Set([...Object.keys(deployed), ...Object.keys(desired)])]
    .sort()
    .filter((key) => deployed[key] !== desired[key] && !hotswappable(key))
    .map((key) => (deployed[key] === undefined ? `${what} ${key} added` : desired[key] === undefined ? `${what} ${key} removed` : `${what} ${key} changed`));
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The template's differences, except literal-string changes of existing container variables in the
 * backend's task definition, which are returned as values instead. Each difference says where it is.
 */
function environmentChanges(node: StackId, deployed: unknown, desired: unknown): { values: Record<string, string>; differences: string[] } {
  const values: Record<string, string> = {};
  const differences: string[] = [];
  const containers = new Map<string, VariablePath>();
  for (const path of differingPaths(deployed, desired)) {
    const variable = node === HOTSWAP_STACK ? environmentVariablePath(desired, path) : undefined;
    if (variable) containers.set(`${variable.resource}/${variable.container}`, variable);
    else differences.push(`template changed (${pathText(path)})`);
  }
  for (const at of containers.values()) {
    const judged = judgeContainer(deployed, desired, at);
    if (typeof judged === "string") differences.push(judged);
    else Object.assign(values, judged);
  }
  return { values, differences };
}

interface VariablePath {
  readonly resource: string;
  readonly container: number;
}

/**
 * `Resources.<TaskDefinition>.Properties.ContainerDefinitions.<i>.Environment…` of the app container (the one a
 * hotswap's revision changes: revision.ts), or undefined for any other path.
 */
function environmentVariablePath(desired: unknown, path: readonly string[]): VariablePath | undefined {
  const [resources, resource = "", properties, definitions, container, environment] = path;
  if ([resources, properties, definitions, environment].join(".") !== "Resources.Properties.ContainerDefinitions.Environment") return undefined;
  const at = { resource, container: Number(container) };
  const found = containerAt(desired, at);
  return found?.taskDefinition && found.container.Name === CONTAINER_NAME ? at : undefined;
}

/**
 * One container's Environment, compared by variable name. Hotswappable only when the names are the same on
 * both sides, in the same order, and every changed value is a literal string on both (an intrinsic's value
 * is only known to CloudFormation). Returns the changed variables' new values, or why it is not hotswappable.
 */
function judgeContainer(deployed: unknown, desired: unknown, at: VariablePath): Record<string, string> | string {
  const where = `${at.resource} container ${at.container} Environment`;
  const before = containerEnvironment(deployed, at);
  const after = containerEnvironment(desired, at);
  if (!before || !after) return `template changed (Resources.${at.resource}.Properties.ContainerDefinitions.${at.container}.Environment)`;
  const added = [...after.keys()].filter((name) => !before.has(name)).map((n) => `variable ${n} added`);
  const removed = [...before.keys()].filter((name) => !after.has(name)).map((n) => `variable ${n} removed`);
  if (added.length > 0 || removed.length > 0) return `${where}: ${[...added, ...removed].join(", ")}`;
  const changed = [...after.keys()].filter((name) => canonicalJson(before.get(name)) !== canonicalJson(after.get(name)));
  if (changed.length === 0) return `${where}: order of variables changed`;
  const notLiteral = changed.filter((name) => typeof before.get(name) !== "string" || typeof after.get(name) !== "string");
  if (notLiteral.length > 0) return `${where}: ${notLiteral.map((n) => `variable ${n} is not a plain value`).join(", ")}`;
  return Object.fromEntries(changed.map((name) => [name, after.get(name) as string]));
}

function containerEnvironment(template: unknown, at: VariablePath): Map<string, unknown> | undefined {
  const list = containerAt(template, at)?.container.Environment;
  if (!Array.isArray(list) || !list.every((v) => isRecord(v) && typeof v.Name === "string")) return undefined;
  return new Map(list.map((v) => [(v as { Name: string }).Name, (v as { Value?: unknown }).Value]));
}

/** The container at `at` in a template, and whether its resource is a task definition. */
function containerAt(template: unknown, at: VariablePath): { container: Record<string, unknown>; taskDefinition: boolean } | undefined {
  const resource = isRecord(template) && isRecord(template.Resources) ? template.Resources[at.resource] : undefined;
  if (!isRecord(resource) || !isRecord(resource.Properties) || !Array.isArray(resource.Properties.ContainerDefinitions)) return undefined;
  const container: unknown = resource.Properties.ContainerDefinitions[at.container];
  return isRecord(container) ? { container, taskDefinition: resource.Type === TASK_DEFINITION_TYPE } : undefined;
}
