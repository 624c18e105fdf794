/**
 * What a teardown would remove and what it leaves behind, read before anything is touched so a
 * person can confirm it. Only read calls here.
 */
import type { CloudFormationApi, StackResourceSummary } from "../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../env/model.js";
import type { Resource, Template } from "../templates/cfn.js";
import { STACKS } from "../templates/index.js";
import { synthesize, type StackDefinition } from "../templates/stack.js";

export interface PlannedStack {
  readonly node: StackId;
  readonly name: string;
  /** undefined when the stack does not exist. */
  readonly status?: string;
  readonly resources: number;
  readonly terminationProtection: boolean;
  /** Buckets CloudFormation will try to delete, which it can only do once they are empty. */
  readonly bucketsToEmpty: readonly string[];
  /** Load balancers with deletion protection on (prod's): CloudFormation cannot delete them until it is lifted. */
  readonly protectedLoadBalancers: readonly string[];
}

export interface RetainedResource {
  readonly node: StackId;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId?: string;
  /** How to delete it by hand, once nobody needs what it holds. */
  readonly deleteCommand: string;
}

export interface TeardownPlan {
  readonly stacks: readonly PlannedStack[];
  /** The certificate as the ACM lookup describes it; undefined when there is none. */
  readonly certificateDescription?: string;
  readonly retained: readonly RetainedResource[];
  /** Stacks already gone whose templates retain resources: those may still exist from an earlier teardown. */
  readonly possiblyLeftBehind: readonly string[];
}

/** Whether a DeletionPolicy or UpdateReplacePolicy keeps the old resource (Retain, RetainExceptOnCreate); absent means Delete. */
export const isRetainPolicy = (policy: Resource["DeletionPolicy"] | Resource["UpdateReplacePolicy"]) => (policy ?? "Delete").startsWith("Retain");

export async function planTeardown(env: Environment, cfn: CloudFormationApi, certificateDescription: string | undefined): Promise<TeardownPlan> {
  const stacks = await Promise.all(STACKS.map((definition) => planStack(env, cfn, definition)));
  return {
    stacks: stacks.map((s) => s.planned),
    certificateDescription,
    retained: stacks.flatMap((s) => s.retained),
    possiblyLeftBehind: stacks.filter((s) => s.leftBehind).map((s) => s.planned.name),
  };
}

async function planStack(env: Environment, cfn: CloudFormationApi, definition: StackDefinition) {
  const name = stackName(env, definition.id);
  const local = synthesize(definition, env);
  const deployed = await cfn.describeStack(name);
  if (!deployed) {
    const planned: PlannedStack = { node: definition.id, name, resources: 0, terminationProtection: false, bucketsToEmpty: [], protectedLoadBalancers: [] };
    return { planned, retained: [], leftBehind: Object.values(local.Resources).some((r) => isRetainPolicy(r.DeletionPolicy)) };
  }
  const [resources, body] = await Promise.all([cfn.listStackResources(name), cfn.templateBody(name).catch(() => undefined)]);
  // CloudFormation acts on the deployed template's policies, whatever the local one says today;
  // a template that is not ours (YAML, hand-edited) falls back to the local one.
  const template = parseTemplate(body) ?? local;
  const retainedIds = Object.keys(template.Resources).filter((id) => isRetainPolicy(template.Resources[id]!.DeletionPolicy));
  const owner = { node: definition.id, stack: name };
  const retained = retainedIds.map((id) => retainedResource(env, owner, id, template.Resources[id]!.Type, resources));
  // Emptying destroys data: only where both the configuration and the deployed template let the bucket go.
  const bucketsToEmpty = env.retainData
    ? []
    : resources.filter((r) => r.type === "AWS::S3::Bucket" && r.physicalId && !retainedIds.includes(r.logicalId)).map((r) => r.physicalId!);
  const protectedLoadBalancers = resources
    .filter((r) => r.type === "AWS::ElasticLoadBalancingV2::LoadBalancer" && r.physicalId && !retainedIds.includes(r.logicalId))
    .filter((r) => hasDeletionProtection(template.Resources[r.logicalId]))
    .map((r) => r.physicalId!);
  const planned: PlannedStack = {
    node: definition.id,
    name,
    status: deployed.status,
    resources: resources.length,
    terminationProtection: deployed.terminationProtection,
    bucketsToEmpty,
    protectedLoadBalancers,
  };
  return { planned, retained, leftBehind: false };
}

function hasDeletionProtection(resource: Resource | undefined): boolean {
  const attributes = (resource?.Properties?.LoadBalancerAttributes ?? []) as { Key?: string; Value?: string }[];
  return attributes.some((a) => a.Key === "deletion_protection.enabled" && a.Value === "true");
}

/** A deployed template body as a Template; undefined when there is none or it is not JSON with Resources (YAML, hand-edited). */
export function parseTemplate(body: string | undefined): Template | undefined {
  try {
    const parsed = body === undefined ? undefined : (JSON.parse(body) as Template);
    return parsed?.Resources ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function retainedResource(
  env: Environment,
  owner: { node: StackId; stack: string },
  logicalId: string,
  type: string,
  deployed: readonly StackResourceSummary[],
): RetainedResource {
  const physicalId = deployed.find((r) => r.logicalId === logicalId)?.physicalId;
  return { ...owner, logicalId, type, physicalId, deleteCommand: deleteCommand(type, physicalId ?? `<${logicalId} physical id>`, env.region) };
}

export function deleteCommand(type: string, id: string, region: string): string {
  switch (type) {
    case "AWS::S3::Bucket":
      return `empty it first, every version included (console: Empty), then: aws s3 rb s3://${id} --region ${region}`;
    case "AWS::Cognito::UserPool":
      return `aws cognito-idp update-user-pool --user-pool-id ${id} --deletion-protection INACTIVE --region ${region} && aws cognito-idp delete-user-pool --user-pool-id ${id} --region ${region}`;
    case "AWS::Logs::LogGroup":
      return `aws logs delete-log-group --log-group-name ${id} --region ${region}`;
    case "AWS::EC2::VPC":
      return `aws ec2 delete-vpc --vpc-id ${id} --region ${region}`;
    default:
      return `aws cloudcontrol delete-resource --type-name ${type} --identifier ${id} --region ${region}`;
  }
}
