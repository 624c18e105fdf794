/**
 * What a DeletionPolicy keeps, and how a person deletes it by hand once nobody needs it. Shared by
 * the teardown plan and the review (which flags what a change would stop retaining).
 */
import type { StackResourceSummary } from "../../aws/cloudformation.js";
import type { StackId } from "../../env/model.js";
import type { Resource, Template } from "../../templates/cfn.js";

export interface RetainedResource {
  readonly node: StackId;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId?: string;
  /** How to delete it by hand, once nobody needs what it holds. */
  readonly deleteCommand: string;
}

/**
 * Whether a DeletionPolicy or UpdateReplacePolicy keeps the old resource (Retain, RetainExceptOnCreate); absent means
 * Delete. A deployed template may compute its policy with an intrinsic (AWS::LanguageExtensions): what it resolves
 * to cannot be known here, so it does not count as kept, the cautious reading for anything that warns of a loss.
 */
export const isRetainPolicy = (policy: Resource["DeletionPolicy"] | Resource["UpdateReplacePolicy"] | object) =>
  typeof policy === "string" && policy.startsWith("Retain");

/** A deployed template body as a Template; undefined when there is none or it is not JSON with Resources (YAML, hand-edited). */
export function parseTemplate(body: string | undefined): Template | undefined {
  let parsed: Template | undefined;
  try {
    if (body !== undefined) parsed = JSON.parse(body) as Template;
  } catch {
    // Not JSON (a YAML template): as unreadable as no body at all.
  }
  return parsed?.Resources ? parsed : undefined;
}

/** A resource CloudFormation lists with its physical id: it exists, or existed until the stack's deletion. */
export type ExistingResource = StackResourceSummary & { readonly physicalId: string };

export function retainedResource(owner: { node: StackId; stack: string }, { logicalId, type, physicalId }: ExistingResource, region: string): RetainedResource {
  return { ...owner, logicalId, type, physicalId, deleteCommand: deleteCommand(type, physicalId, region) };
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
