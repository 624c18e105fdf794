/**
 * Before a stack is deployed: whatever state it is in becomes one the engine can work from, or a
 * result saying why not. Nothing here ever deletes a stack that might hold resources.
 */
import type { DeployedStack } from "../../aws/cloudformation.js";
import type { DesiredStack, StackDeployContext } from "./deploy-context.js";
import type { NodeResult } from "../results.js";
import { isEmptyReview, isFailedFirstCreate, isFailedWithoutRollback, isInProgress, needsManualRecovery } from "../stack-status.js";
import { watchOperation, type WatchOutcome } from "../watch.js";

/**
 * Waits out operations started by someone else, recreates a failed first create, and turns states
 * only a person can fix into `needs-recovery` with the exact next step.
 */
export async function settleStack(
  ctx: StackDeployContext,
  desired: DesiredStack,
  say: (text: string) => void,
): Promise<DeployedStack | NodeResult | undefined> {
  const started = ctx.clock.now();
  let current = await ctx.cfn.describeStack(desired.name);
  if (current && isInProgress(current.status)) {
    say(`${current.status} from another operation: waiting for it to finish`);
    const outcome = await follow(ctx, desired, current.stackId, ctx.poll.othersTimeoutMs);
    if (outcome.timedOut) {
      return { kind: "failed", status: outcome.stack?.status, message: `another operation kept the stack ${outcome.stack?.status} for over ${Math.round(ctx.poll.othersTimeoutMs / 60_000)} min; try again when it ends`, durationMs: ctx.clock.now() - started };
    }
    current = outcome.stack;
  }
  if (current?.status === "UPDATE_ROLLBACK_FAILED" && ctx.continueRollback) {
    say("UPDATE_ROLLBACK_FAILED: continuing the rollback (--continue-rollback)");
    const token = await ctx.cfn.continueUpdateRollback(desired.name);
    const outcome = await follow(ctx, desired, current.stackId, ctx.poll.operationTimeoutMs, token);
    if (outcome.timedOut) {
      return { kind: "failed", status: outcome.stack?.status, message: `the continued rollback is still ${outcome.stack?.status} after ${Math.round(ctx.poll.operationTimeoutMs / 60_000)} min; run the deploy again once it ends`, durationMs: ctx.clock.now() - started };
    }
    current = outcome.stack;
  }
  if (current && isFailedWithoutRollback(current.status)) {
    say(`${current.status} without rollback (an express deploy failed here): updating it again retries what failed and keeps what succeeded`);
  }
  if (current && isEmptyReview(current.status)) say("REVIEW_IN_PROGRESS: the stack holds only change sets that were never executed (an interrupted run, or a review); creating a new one");
  if (current && needsManualRecovery(current.status)) {
    return { kind: "needs-recovery", status: current.status, message: `${desired.name} is ${current.status}${current.statusReason ? `: ${current.statusReason}` : ""}`, recovery: recoveryStep(desired.name, current.status) };
  }
  if (current && isFailedFirstCreate(current.status)) {
    say("ROLLBACK_COMPLETE after a failed first create: deleting the empty stack and creating it again");
    // Destructive steps: a Ctrl-C that came in before either (even while the first was in flight) stops it.
    ctx.signal?.throwIfAborted();
    if (current.terminationProtection) await ctx.cfn.setTerminationProtection(desired.name, false);
    ctx.signal?.throwIfAborted();
    const token = await ctx.cfn.deleteStack(current.stackId);
    const outcome = await follow(ctx, desired, current.stackId, ctx.poll.operationTimeoutMs, token);
    // describeStack reports a deleted stack as undefined: any stack still there is one the delete did not remove.
    if (outcome.stack) {
      return { kind: "needs-recovery", status: outcome.stack.status, message: `could not delete the failed stack ${desired.name}`, recovery: recoveryStep(desired.name, outcome.stack.status) };
    }
    current = undefined;
  }
  return current;
}

export function recoveryStep(stackName: string, status: string): string {
  switch (status) {
    case "UPDATE_ROLLBACK_FAILED":
      return `fix what blocked the rollback (see the stack's events), then run the deploy again with --continue-rollback (it calls ContinueUpdateRollback for ${stackName})`;
    case "ROLLBACK_FAILED":
      return `the first create failed and so did its rollback: fix or remove the resources named in the events, then: aws cloudformation delete-stack --stack-name ${stackName} (add --retain-resources for any that cannot be deleted), and deploy again`;
    case "DELETE_FAILED":
      return `a deletion failed: remove what blocks it (see the events), then: aws cloudformation delete-stack --stack-name ${stackName}, and deploy again`;
    default:
      return `inspect the stack's events: aws cloudformation describe-stack-events --stack-name ${stackName}`;
  }
}

/**
 * Follows an operation on the stack from now on. Its events are those carrying `token` when we started it
 * (CloudFormation puts the request's ClientRequestToken on every event the operation causes, so a local
 * clock running ahead of AWS's cannot hide them), else those stamped from now by the local clock.
 */
function follow(ctx: StackDeployContext, desired: DesiredStack, stackId: string, timeoutMs: number, token?: string): Promise<WatchOutcome> {
  return watchOperation(ctx, desired.node, { id: stackId, name: desired.name }, { since: { notBefore: new Date(ctx.clock.now()), token }, timeoutMs });
}
