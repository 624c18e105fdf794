/**
 * What CloudFormation's pre-deployment validation said about one change set, for review and deploy alike:
 * failed checks that stop it, warnings the reader should see before it runs.
 */
import type { CloudFormationApi } from "../../aws/cloudformation.js";
import { describeFinding, type ValidationFinding } from "../../aws/cloudformation-validation.js";
import { errorText } from "../../aws/error-text.js";

export type { ValidationFinding } from "../../aws/cloudformation-validation.js";

export interface ChangeSetValidation {
  readonly findings: ValidationFinding[];
  /** Why the findings could not be read (an endpoint or a role without DescribeEvents): said, not fatal. */
  readonly unreadable?: string;
}

export async function readValidation(
  ctx: { cfn: CloudFormationApi; signal?: AbortSignal },
  stackName: string,
  changeSetId: string,
): Promise<ChangeSetValidation> {
  try {
    return { findings: await ctx.cfn.validationFindings(stackName, changeSetId) };
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    return { findings: [], unreadable: `CloudFormation's pre-deployment validation results could not be read (DescribeEvents: ${errorText(error)})` };
  }
}

export const blocking = (v: ChangeSetValidation) => v.findings.filter((f) => f.mode === "FAIL");
export const warnings = (v: ChangeSetValidation) => v.findings.filter((f) => f.mode === "WARN");

/** One line per finding, as review and deploy print them. */
export const findingLine = (f: ValidationFinding) => `validation ${f.mode === "FAIL" ? "failed" : "warning"}: ${describeFinding(f)}`;

export const VALIDATION_FAILED = "change set failed CloudFormation's pre-deployment validation";
