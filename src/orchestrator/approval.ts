/**
 * Which change sets need a person's yes before they run. "Broadening" follows the CDK's meaning:
 * anything that widens IAM or network access, plus replacements and removals, which can lose data.
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import type { ProtectionLowering } from "./protection.js";

export type ApprovalLevel = "never" | "broadening" | "any-change";
export const APPROVAL_LEVELS: readonly ApprovalLevel[] = ["never", "broadening", "any-change"];

const ACCESS_TYPES = /^AWS::(IAM::|EC2::SecurityGroup|Lambda::Permission|S3::BucketPolicy|Cognito::IdentityPoolRoleAttachment)/;

/**
 * Immutable by design: every change makes a new revision and the service rolls over to it, so its
 * "replacement" loses nothing. Asking about it would ask on every image deploy, and teach people to say yes.
 */
const REVISIONED_TYPES = new Set(["AWS::ECS::TaskDefinition"]);

export interface ChangeConcern {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly why: "lowers protection" | "widens access" | "replaces" | "may replace" | "removes";
  /** For "lowers protection": what gets weaker, e.g. "DeletionPolicy Retain → Delete". */
  readonly detail?: string;
}

/**
 * Why each change is worth a second look, if it is. Lowered protection comes from the templates
 * (protection.ts), not the change set, which does not reliably show it; it is listed first.
 */
export function concerns(changes: readonly Change[], lowerings: readonly ProtectionLowering[] = []): ChangeConcern[] {
  const found: ChangeConcern[] = lowerings.map((l) => ({ logicalId: l.logicalId, resourceType: l.resourceType, why: "lowers protection", detail: l.change }));
  for (const change of changes) {
    const rc = change.ResourceChange;
    if (!rc) continue;
    const base = { logicalId: rc.LogicalResourceId ?? "?", resourceType: rc.ResourceType ?? "?" };
    if (rc.Action === "Remove") found.push({ ...base, why: "removes" });
    else if (rc.Replacement === "True" && !REVISIONED_TYPES.has(base.resourceType)) found.push({ ...base, why: "replaces" });
    else if (rc.Replacement === "Conditional" && !REVISIONED_TYPES.has(base.resourceType)) found.push({ ...base, why: "may replace" });
    else if (ACCESS_TYPES.test(base.resourceType) && (rc.Action === "Add" || rc.Action === "Modify")) found.push({ ...base, why: "widens access" });
  }
  return found;
}

export function needsApproval(level: ApprovalLevel, changes: readonly Change[], lowerings: readonly ProtectionLowering[] = []): boolean {
  if (level === "never") return false;
  if (level === "any-change") return true;
  return concerns(changes, lowerings).length > 0;
}
