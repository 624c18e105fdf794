/**
 * ECS task definitions: families with revisions, registered through the API or by CloudFormation
 * (AWS::ECS::TaskDefinition), in one registry so both see the same revisions.
 *
 * RegisterTaskDefinition "registers a new task definition ... Each time you call it for a family, the revision
 * number increases by one" (family:1, family:2 …), and DescribeTaskDefinition accepts "the family for the latest
 * ACTIVE revision, family and revision (family:revision) for a specific revision, or the full ARN"
 * (Amazon ECS API Reference, RegisterTaskDefinition / DescribeTaskDefinition).
 */
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";

/**
 * The members of RegisterTaskDefinition's request. The SDK's serializer sends only modelled members, so a caller
 * that passes a described definition (with taskDefinitionArn, revision, status, registeredAt …) has those read-only
 * fields dropped before they reach ECS; the fake, receiving the raw input, drops them the same way.
 */
const REQUEST_MEMBERS = [
  "family",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "containerDefinitions",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
  "enableFaultInjection",
] as const;

export class TaskDefinitionRegistry {
  private readonly families = new Map<string, Map<number, TaskDefinition>>();

  constructor(
    private readonly region: string,
    private readonly account: string,
    private readonly now: () => number,
  ) {}

  /** The ARN the next registration in `family` gets. */
  nextArn(family: string): string {
    return this.arn(family, this.latestRevision(family) + 1);
  }

  /** Registers a new revision, as RegisterTaskDefinition does; returns it with the fields ECS adds. */
  register(input: RegisterTaskDefinitionCommandInput, registeredBy: string, revision?: number): TaskDefinition {
    const family = input.family ?? "";
    const number = revision ?? this.latestRevision(family) + 1;
    const given: Record<string, unknown> = {};
    for (const member of REQUEST_MEMBERS) if (input[member] !== undefined) given[member] = structuredClone(input[member]);
    const definition: TaskDefinition = {
      ...(given as TaskDefinition),
      taskDefinitionArn: this.arn(family, number),
      revision: number,
      status: "ACTIVE",
      requiresAttributes: requiredAttributes(input),
      // awsvpc definitions run on EC2 and Fargate alike; other network modes only on EC2.
      compatibilities: input.networkMode === "awsvpc" ? ["EC2", "FARGATE"] : ["EC2"],
      registeredAt: new Date(this.now()),
      registeredBy,
    };
    if (!this.families.has(family)) this.families.set(family, new Map());
    this.families.get(family)!.set(number, definition);
    return structuredClone(definition);
  }

  /** DeregisterTaskDefinition: the revision stays describable, INACTIVE, and no longer counts as the family's latest. */
  deregister(reference: string): TaskDefinition | undefined {
    const found = this.find(reference);
    const stored = found ? this.families.get(found.family ?? "")?.get(found.revision ?? 0) : undefined;
    if (stored) stored.status = "INACTIVE";
    return stored ? structuredClone(stored) : undefined;
  }

  /** By family (latest ACTIVE), family:revision or ARN; undefined when there is no such revision. */
  find(reference: string): TaskDefinition | undefined {
    const name = reference.startsWith("arn:") ? (reference.split(":task-definition/")[1] ?? "") : reference;
    const [family, revision] = name.split(":");
    const revisions = this.families.get(family ?? "");
    if (!revisions) return undefined;
    const number = revision === undefined ? this.latestRevision(family!, "ACTIVE") : Number(revision);
    const found = revisions.get(number);
    return found ? structuredClone(found) : undefined;
  }

  private latestRevision(family: string, status?: "ACTIVE"): number {
    const revisions = [...(this.families.get(family)?.values() ?? [])].filter((d) => !status || d.status === status);
    return Math.max(0, ...revisions.map((d) => d.revision ?? 0));
  }

  private arn(family: string, revision: number): string {
    return `arn:aws:ecs:${this.region}:${this.account}:task-definition/${family}:${revision}`;
  }
}

/** A few of the attributes ECS derives from a definition (shown in DescribeTaskDefinition's requiresAttributes). */
function requiredAttributes(input: RegisterTaskDefinitionCommandInput): { name: string }[] {
  const attributes = ["com.amazonaws.ecs.capability.docker-remote-api.1.18"];
  if (input.networkMode === "awsvpc") attributes.push("ecs.capability.task-eni");
  if (input.executionRoleArn) attributes.push("ecs.capability.execution-role-awslogs");
  if (input.containerDefinitions?.some((c) => c.logConfiguration?.logDriver === "awslogs")) attributes.push("com.amazonaws.ecs.capability.logging-driver.awslogs");
  if (input.containerDefinitions?.some((c) => c.secrets?.length)) attributes.push("ecs.capability.secrets.asm.environment-variables");
  if (input.containerDefinitions?.some((c) => c.healthCheck)) attributes.push("ecs.capability.container-health-check");
  return attributes.map((name) => ({ name }));
}

/** Keys under which CloudFormation and the API both take free-form names (log driver options, labels). */
const FREE_FORM = new Set(["Options", "DockerLabels", "SecretOptions", "SystemControls"]);

/**
 * An AWS::ECS::TaskDefinition's evaluated Properties as RegisterTaskDefinition's input: the same members with
 * CloudFormation's PascalCase names in the API's camelCase (ContainerDefinitions → containerDefinitions).
 * Tags are not part of the definition DescribeTaskDefinition returns.
 */
export function taskDefinitionFromTemplate(properties: Record<string, unknown>): RegisterTaskDefinitionCommandInput {
  const { Tags: _tags, ...rest } = properties;
  return camelCased(rest) as RegisterTaskDefinitionCommandInput;
}

function camelCased(value: unknown, freeForm = false): unknown {
  if (Array.isArray(value)) return value.map((item) => camelCased(item));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [freeForm ? key : key.charAt(0).toLowerCase() + key.slice(1), freeForm ? inner : camelCased(inner, FREE_FORM.has(key))]),
  );
}
