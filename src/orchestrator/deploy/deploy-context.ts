/**
 * What one stack's deploy is given: the stack as it should be, the run's context (approval, review, change
 * sets in flight), and what CloudFormation must be told about a template (its size limit, its capabilities).
 */
import type { Capability, Change } from "@aws-sdk/client-cloudformation";
import type { CloudFormationApi } from "../../aws/cloudformation.js";
import type { Template } from "../../templates/cfn.js";
import type { NodeId } from "../graph.js";
import type { ProtectionLowering } from "../protection.js";
import type { ApprovalLevel } from "../review/approval.js";
import type { ApprovalContent } from "../review/approval-content.js";
import type { WatchContext } from "../watch.js";

/** CloudFormation's TemplateBody limit; larger templates must come from S3. */
export const TEMPLATE_BODY_LIMIT = 51_200;

export interface DesiredStack {
  readonly node: NodeId;
  readonly name: string;
  readonly template: Template;
  readonly parameters: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly terminationProtection: boolean;
}

export interface ChangeSetReview {
  readonly node: NodeId;
  readonly template: Template;
  readonly stack: string;
  /** undefined: no change set, only termination protection is lowered (asked about on its own). */
  readonly changeSetName?: string;
  readonly changes: readonly Change[];
  /** What this stack's deploy lowers (protection.ts): a concern of its own, shown at the question. */
  readonly lowerings: readonly ProtectionLowering[];
  /** The templates access is judged by and the review's content (values, IAM and rule tables), for an update. */
  readonly judged?: ApprovalContent;
}

export interface StackDeployContext extends WatchContext {
  readonly changeSetName: string;
  readonly approval: ApprovalLevel;
  readonly approve: (review: ChangeSetReview) => Promise<boolean>;
  readonly continueRollback: boolean;
  /** Drift-aware change sets (REVERT_DRIFT): a stack whose template is unchanged may still have drift to undo. */
  readonly revertDrift?: boolean;
  /** `--express`: change sets in CloudFormation's express mode (rollback disabled). */
  readonly express?: boolean;
  /** Uploads an oversized template and returns its URL; absent, such templates are refused. */
  readonly stageTemplate?: (stackName: string, body: string) => Promise<string>;
  /** Change sets this run created and has not executed: deleted if the run is interrupted. */
  readonly pendingChangeSets: Map<string, string>;
  /** `deploy --changeset NAME`: execute these reviewed change sets instead of creating new ones. */
  readonly reviewed?: ReviewedChangeSets;
  /** Per stack, what its deploy lowers, decided once before the run from the deployed and desired templates. */
  readonly lowerings?: ReadonlyMap<NodeId, readonly ProtectionLowering[]>;
}

export type ReviewCheck = { current: true; changeSetId: string } | { current: false; why: string };

export interface ReviewedChangeSets {
  readonly name: string;
  readonly envName: string;
  /** How a refusal names the command to run next, with this run's flags. */
  readonly command: (words: string) => string;
  readonly check: (
    cfn: CloudFormationApi,
    stackName: string,
    changeSetName: string,
    desired: { templateBody: string; parameters: Record<string, string> },
  ) => Promise<ReviewCheck>;
}

/** The IAM properties that give a resource a custom name, which CAPABILITY_NAMED_IAM must acknowledge. */
const IAM_NAME_PROPERTIES = ["RoleName", "ManagedPolicyName", "UserName", "GroupName", "InstanceProfileName"];

/**
 * What CreateChangeSet must acknowledge: "If you have IAM resources, you can specify either capability. If you have
 * IAM resources with custom names, you must specify CAPABILITY_NAMED_IAM" (CreateStack API reference, Capabilities).
 */
export function requiredCapabilities(template: Template): Capability[] {
  const iam = Object.values(template.Resources).filter((r) => r.Type.startsWith("AWS::IAM::"));
  if (iam.length === 0) return [];
  const named = iam.some((r) => IAM_NAME_PROPERTIES.some((p) => r.Properties?.[p] !== undefined));
  return named ? ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] : ["CAPABILITY_IAM"];
}
