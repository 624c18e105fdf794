/**
 * Which change sets need a person's yes before they run, and why: the one judgment the review, its
 * Markdown and the deploy's approval prompt all call, so what the reviewer saw is why the deploy asks.
 * "Broadening" follows the CDK's meaning: anything that widens IAM or network access, plus replacements
 * and removals, which can lose data. Access is judged by content where the templates show it (an IAM
 * statement or a security-group rule that grants more widens; one that only takes away narrows and needs
 * no yes), and by resource type where they cannot (no deployed template to compare, or a type whose
 * grant is not a statement or a rule).
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import type { Template } from "../../templates/cfn.js";
import type { ProtectionLowering } from "../protection.js";
import { iamChanges } from "./review-iam.js";
import { ruleChanges } from "./review-network.js";
import { count } from "../../count.js";

export type ApprovalLevel = "never" | "broadening" | "any-change";
export const APPROVAL_LEVELS: readonly ApprovalLevel[] = ["never", "broadening", "any-change"];

const ACCESS_TYPES = /^AWS::(IAM::|EC2::SecurityGroup|Lambda::Permission|S3::BucketPolicy|Cognito::IdentityPoolRoleAttachment)/;

/** Types whose whole effect on access is the statements or rules review-iam.ts / review-network.ts read. */
const JUDGED_BY_CONTENT = new Set([
  "AWS::IAM::Role",
  "AWS::IAM::Policy",
  "AWS::IAM::ManagedPolicy",
  "AWS::S3::BucketPolicy",
  "AWS::EC2::SecurityGroup",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::EC2::SecurityGroupEgress",
]);

/**
 * Immutable by design: every change makes a new revision and the service rolls over to it, so its
 * "replacement" loses nothing. Asking about it would ask on every image deploy, and teach people to say yes.
 */
const REVISIONED_TYPES = new Set(["AWS::ECS::TaskDefinition"]);

export interface ChangeConcern {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly why: "lowers protection" | "widens access" | "replaces" | "may replace" | "removes";
  /** For "lowers protection": what gets weaker; for "widens access": what is granted, e.g. "adds 1 IAM statement". */
  readonly detail?: string;
}

/** The deployed and desired templates with parameters resolved (review-show.ts withParameters). */
export interface AccessTemplates {
  /** undefined: no deployed template that can be read: access is judged by resource type. */
  readonly deployed?: Template;
  readonly desired: Template;
}

/**
 * Why each change is worth a second look, if it is. Lowered protection comes from the templates
 * (protection.ts), not the change set, which does not reliably show it; it is listed first.
 */
export function concerns(changes: readonly Change[], lowerings: readonly ProtectionLowering[] = [], templates?: AccessTemplates): ChangeConcern[] {
  const found: ChangeConcern[] = lowerings.map((l) => ({ logicalId: l.logicalId, resourceType: l.resourceType, why: "lowers protection", detail: l.change }));
  const widening = templates?.deployed ? wideningsByResource(templates.deployed, templates.desired) : undefined;
  for (const change of changes) {
    const rc = change.ResourceChange;
    if (!rc) continue;
    const base = { logicalId: rc.LogicalResourceId ?? "?", resourceType: rc.ResourceType ?? "?" };
    const byContent = widening !== undefined && JUDGED_BY_CONTENT.has(base.resourceType);
    if (byContent && rc.Action === "Remove") {
      // Removing a policy or a rule takes access away, unless what goes is a Deny.
      const detail = widening.get(base.logicalId);
      if (detail) found.push({ ...base, why: "widens access", detail });
    } else if (rc.Action === "Remove") found.push({ ...base, why: "removes" });
    else if (rc.Replacement === "True" && !REVISIONED_TYPES.has(base.resourceType)) found.push({ ...base, why: "replaces" });
    else if (rc.Replacement === "Conditional" && !REVISIONED_TYPES.has(base.resourceType)) found.push({ ...base, why: "may replace" });
    else if (byContent) {
      const detail = widening.get(base.logicalId);
      if (detail) found.push({ ...base, why: "widens access", detail });
    } else if (ACCESS_TYPES.test(base.resourceType) && (rc.Action === "Add" || rc.Action === "Modify")) found.push({ ...base, why: "widens access" });
  }
  return found;
}

/**
 * Per logical id, what its statements or rules grant that was not granted before; absent when nothing.
 * A logical id names one resource, which holds statements (IAM, bucket policy) or rules (security group), never both.
 */
function wideningsByResource(deployed: Template, desired: Template): Map<string, string> {
  const statements = countBy(iamChanges(deployed, desired).filter((c) => c.widens).map((c) => c.statement.logicalId));
  const rules = countBy(ruleChanges(deployed, desired).filter((c) => c.widens).map((c) => c.rule.logicalId));
  return new Map([
    ...[...statements].map(([id, n]) => [id, `grants ${count(n, "IAM statement")} not granted before`] as const),
    ...[...rules].map(([id, n]) => [id, `adds ${count(n, "security-group rule")}`] as const),
  ]);
}

function countBy(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

export function needsApproval(level: ApprovalLevel, changes: readonly Change[], lowerings: readonly ProtectionLowering[] = [], templates?: AccessTemplates): boolean {
  if (level === "never") return false;
  if (level === "any-change") return true;
  return concerns(changes, lowerings, templates).length > 0;
}
