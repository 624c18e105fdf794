/**
 * Deploy's side of CloudFormation's pre-deployment validation: warnings said before a change set runs,
 * a failed change set explained by the checks that failed, and a first create that failed leaving no
 * empty REVIEW_IN_PROGRESS stack behind (it would show in the console and block nothing, but confuse).
 */
import type { CloudFormationApi } from "../../aws/cloudformation.js";
import { blocking, findingLine, readValidation, VALIDATION_FAILED, warnings, type ChangeSetValidation } from "./change-set-validation.js";
import { isEmptyReview } from "../stack-status.js";

interface Ctx {
  readonly cfn: CloudFormationApi;
  readonly signal?: AbortSignal;
}

/** Warnings a change set passed with (e.g. a bucket that is not empty would be deleted), said before it runs. */
export async function announceValidation(ctx: Ctx, stackName: string, changeSetId: string, say: (text: string) => void): Promise<void> {
  const validation = await readValidation(ctx, stackName, changeSetId);
  if (validation.unreadable) say(validation.unreadable);
  for (const finding of warnings(validation)) say(findingLine(finding));
}

/** Read while the failed change set still exists: its events go with it. */
export const failedValidation = (ctx: Ctx, stackName: string, changeSetId: string) => readValidation(ctx, stackName, changeSetId);

/** Why a change set failed, in the words of the validations that failed when there are any. */
export function changeSetFailure(reason: string | undefined, validation: ChangeSetValidation | undefined, leftNoStack: boolean): string {
  const failing = validation ? blocking(validation) : [];
  if (failing.length === 0) return `change set failed: ${reason ?? "no reason given"}`;
  const cleaned = leftNoStack ? "the change set and the empty new stack were deleted" : "the change set was deleted";
  return `${VALIDATION_FAILED} (${cleaned}; nothing ran): ${failing.map(findingLine).join("; ")}`;
}

/** After a first create's change set failed: the stack CreateChangeSet made is empty; remove it. Returns whether it did. */
export async function removeEmptyNewStack(ctx: Ctx, stackName: string): Promise<boolean> {
  const stack = await ctx.cfn.describeStack(stackName);
  if (!stack || !isEmptyReview(stack.status)) return false;
  // Another run's change set on it would still be wanted there.
  if ((await ctx.cfn.listChangeSets(stackName)).length > 0) return false;
  ctx.signal?.throwIfAborted();
  await ctx.cfn.deleteStack(stackName);
  return true;
}
