/**
 * "Lowers protection": the one judgment of whether a deploy would leave stateful data easier to lose.
 * Decided from the deployed template and termination protection against the desired ones, never from a
 * change set: CloudFormation does not reliably list a DeletionPolicy or UpdateReplacePolicy change as a
 * change, and termination protection is no part of any change set. Review, approval and the refusal all
 * call this, so they cannot disagree.
 */
import { isComputed, STACK_TYPE, type Json, type Resource, type Template } from "../templates/cfn.js";
import type { StackDefinition } from "../templates/stack.js";
import { parseTemplate } from "./teardown/teardown-retained.js";

/** Types that hold data, whichever stack declares them (a definition's statefulResources adds its own). */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set(["AWS::S3::Bucket", "AWS::Cognito::UserPool", "AWS::Logs::LogGroup", "AWS::EC2::VPC"]);

export const isStatefulResource = (definition: Pick<StackDefinition, "statefulResources">, logicalId: string, type: string) =>
  STATEFUL_TYPES.has(type) || definition.statefulResources.includes(logicalId);

/** A stack's protection as deployed, or as a deploy would leave it. */
export interface ProtectionState {
  /** undefined: no stack yet, or a deployed template that is not ours to read (YAML): nothing to compare resources with. */
  readonly template?: Template;
  /** A deployed template exists but is not ours to read (YAML, hand-edited): what it protects cannot be compared. */
  readonly unreadable?: boolean;
  readonly terminationProtection: boolean;
}

/** A deployed stack's protection from its template body as GetTemplate returns it. */
export const deployedProtection = (body: string | undefined, terminationProtection: boolean): ProtectionState => {
  const template = parseTemplate(body);
  return { template, unreadable: body !== undefined && template === undefined, terminationProtection };
};

/** Stands for a deployed template that cannot be compared, in a lowering's resourceType. */
export const DEPLOYED_TEMPLATE = "deployed template";

export interface ProtectionLowering {
  /** The resource's logical id, or the stack's name for termination protection. */
  readonly logicalId: string;
  readonly resourceType: string;
  /** What gets weaker, e.g. "DeletionPolicy Retain → Delete". */
  readonly change: string;
}

/**
 * How much a policy keeps of a resource that CloudFormation deletes or replaces. RetainExceptOnCreate
 * retains every resource that already exists, which is all a deployed one can be; Snapshot keeps the data
 * but not the resource. Delete and an absent policy (which means Delete) keep nothing: 1, as anything unlisted.
 */
const POLICY_STRENGTH: ReadonlyMap<string | undefined, number> = new Map([["Retain", 3], ["RetainExceptOnCreate", 3], ["Snapshot", 2]]);
const strength = (policy: string | undefined) => POLICY_STRENGTH.get(policy) ?? 1;
/**
 * Every way the desired stack protects data less than the deployed one; empty when it protects as much or more.
 * A deployed value computed by an intrinsic (AWS::LanguageExtensions, a parameter) cannot be read from the
 * template, so it is taken at its most protective, and anything weaker the deploy writes counts as lowering.
 */
export function protectionLowerings(
  definition: Pick<StackDefinition, "statefulResources">,
  stackName: string,
  deployed: ProtectionState,
  desired: ProtectionState,
): ProtectionLowering[] {
  const found: ProtectionLowering[] = [];
  if (deployed.terminationProtection && !desired.terminationProtection) {
    found.push({ logicalId: stackName, resourceType: STACK_TYPE, change: "termination protection on → off" });
  }
  // What cannot be read cannot be shown to keep its Retain policies or deletion protection: the deploy
  // might lower them, so it counts as lowering (refused where data is retained, asked about elsewhere).
  if (deployed.unreadable && desired.template) {
    found.push({ logicalId: stackName, resourceType: DEPLOYED_TEMPLATE, change: "is not JSON with Resources (YAML, or edited outside this tool), so whether this deploy lowers what it retains cannot be known" });
  }
  if (!deployed.template || !desired.template) return found;
  for (const [logicalId, before] of Object.entries(deployed.template.Resources)) {
    const after = desired.template.Resources[logicalId];
    // A resource that disappears is a removal, which the change set shows and approval asks about.
    if (!after || after.Type !== before.Type) continue;
    const changes = [
      ...(isStatefulResource(definition, logicalId, before.Type) ? policyLowerings(before, after) : []),
      ...propertyLowerings(before, after),
    ];
    found.push(...changes.map((change) => ({ logicalId, resourceType: before.Type, change })));
  }
  return found;
}

function policyLowerings(before: Resource, after: Resource): string[] {
  // Only a policy stronger than Delete can be lowered, so the deployed one is always written out.
  return (["DeletionPolicy", "UpdateReplacePolicy"] as const)
    .filter((policy) => strength(after[policy]) < (isComputed(before[policy]) ? strength("Retain") : strength(before[policy])))
    .map((policy) => `${policy} ${show(before[policy])} → ${after[policy] ?? "Delete (absent)"}`);
}

/** Protection that lives in a resource's own properties, by type. */
function propertyLowerings(before: Resource, after: Resource): string[] {
  const was = before.Properties ?? {};
  const will = after.Properties ?? {};
  switch (before.Type) {
    case "AWS::Cognito::UserPool":
      return switchedOff("DeletionProtection", was.DeletionProtection, will.DeletionProtection, "ACTIVE");
    case "AWS::ElasticLoadBalancingV2::LoadBalancer":
      return switchedOff("deletion_protection.enabled", loadBalancerAttribute(was, "deletion_protection.enabled"), loadBalancerAttribute(will, "deletion_protection.enabled"), "true");
    case "AWS::S3::Bucket":
      return switchedOff("versioning", versioning(was), versioning(will), "Enabled");
    case "AWS::Logs::LogGroup":
      return retentionShortened(was.RetentionInDays, will.RetentionInDays);
    default:
      return [];
  }
}

/** A protection that was on (or computed, so possibly on) and will not be. */
function switchedOff(name: string, from: Json | undefined, to: Json | undefined, on: string): string[] {
  return (from === on || isComputed(from)) && to !== on ? [`${name} ${show(from)} → ${show(to)}`] : [];
}

/** Absent RetentionInDays keeps events forever: setting one shortens it, removing one lengthens it. */
function retentionShortened(from: Json | undefined, to: Json | undefined): string[] {
  const days = (value: Json | undefined) => (value === undefined || isComputed(value) ? Infinity : Number(value));
  if (!(days(to) < days(from))) return [];
  return [`RetentionInDays ${from === undefined ? "unlimited" : show(from)} → ${String(to)}`];
}

const show = (value: Json | undefined) => (value === undefined ? "absent" : typeof value === "string" ? value : JSON.stringify(value));

const versioning = (properties: Record<string, Json>) => (properties.VersioningConfiguration as { Status?: Json } | undefined)?.Status;

function loadBalancerAttribute(properties: Record<string, Json>, key: string): Json | undefined {
  const list = properties.LoadBalancerAttributes;
  if (!Array.isArray(list)) return undefined;
  // No entry can be null: CloudFormation rejects a template holding one ("'null' values are not allowed in templates").
  return (list as Array<{ Key?: Json; Value?: Json }>).find((a) => a.Key === key)?.Value;
}

/**
 * Whether a deployed stack keeps anything from deletion today: termination protection, a Retain policy,
 * a user pool's or a load balancer's deletion protection. Versioning and log retention do not count:
 * dev and stage have them without retaining data.
 */
export function protectsData(deployed: ProtectionState): boolean {
  if (deployed.terminationProtection) return true;
  return Object.values(deployed.template?.Resources ?? {}).some(
    (r) =>
      strength(r.DeletionPolicy) > 1 ||
      strength(r.UpdateReplacePolicy) > 1 ||
      (r.Type === "AWS::Cognito::UserPool" && r.Properties?.DeletionProtection === "ACTIVE") ||
      (r.Type === "AWS::ElasticLoadBalancingV2::LoadBalancer" && loadBalancerAttribute(r.Properties ?? {}, "deletion_protection.enabled") === "true"),
  );
}

/** One line per lowering, for messages and the review: "UserPool (AWS::Cognito::UserPool): DeletionPolicy Retain → Delete". */
export const describeLowering = (l: ProtectionLowering) =>
  l.resourceType === STACK_TYPE ? l.change : l.resourceType === DEPLOYED_TEMPLATE ? `${DEPLOYED_TEMPLATE} ${l.change}` : `${l.logicalId} (${l.resourceType}): ${l.change}`;
