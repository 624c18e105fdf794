/**
 * One stack from whatever state it is in to the desired template, parameters, tags and protection:
 * recover or refuse odd states, skip when nothing differs, else change set → approval → execute → watch.
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import { isChangeSetMissing, isNoChangeReason, type DeployedStack } from "../../aws/cloudformation.js";
import { errorText } from "../../aws/error-text.js";
import { hasErrorName } from "../../aws/retry.js";
import { needsApproval } from "../review/approval.js";
import { approvalContent } from "../review/approval-content.js";
import type { NodeResult } from "../results.js";
import { isEmptyReview, isFailedWithoutRollback, isSuccessfulStatus, isUpdatable } from "../stack-status.js";
import { settleStack } from "./stack-recovery.js";
import { rootCause, watchOperation, type WatchOutcome } from "../watch.js";
import { waitForChangeSet } from "./change-set-wait.js";
import { announceValidation, changeSetFailure, failedValidation, removeEmptyNewStack } from "./deploy-validation.js";
import { DEPLOY_CHANGE_SET, disappeared, settleRivals, tooLateToExecute } from "./live-runs.js";
import { TEMPLATE_BODY_LIMIT, requiredCapabilities, type DesiredStack, type ReviewedChangeSets, type StackDeployContext } from "./deploy-context.js";
import { differences } from "./deployed-differences.js";


/** A change set ready to run: created by this run, or reviewed earlier and found still current. */
interface ReadyChangeSet {
  readonly id: string;
  /** Its name: this run's, or the reviewed one's with --changeset. */
  readonly name: string;
  readonly stackId: string;
  readonly type: "CREATE" | "UPDATE";
  readonly changes: readonly Change[];
  /** When CloudFormation made it, by AWS's clock. */
  readonly created?: Date;
  /** When this run asked for it, by our clock; undefined for a reviewed one (deploy did not make it). */
  readonly askedAt?: number;
}

/** A step that either hands on what it made or ends the stack's deploy with a result. */
type Step<T> = { ok: T } | { done: NodeResult };

interface Run {
  readonly ctx: StackDeployContext;
  readonly desired: DesiredStack;
  readonly elapsed: () => number;
  readonly notes: string[];
  readonly say: (text: string) => void;
}

export async function deployStack(ctx: StackDeployContext, desired: DesiredStack): Promise<NodeResult> {
  const started = ctx.clock.now();
  const notes: string[] = [];
  const run: Run = {
    ctx,
    desired,
    notes,
    elapsed: () => ctx.clock.now() - started,
    say: (text) => {
      notes.push(text);
      ctx.emit({ type: "node-message", node: desired.node, at: ctx.clock.now(), text });
    },
  };

  const current = await settleStack(ctx, desired, run.say);
  if (current && "kind" in current) return current;
  const deployed = current as DeployedStack | undefined;

  if (deployed && isUpdatable(deployed.status)) {
    const changed = await differences(ctx.cfn, deployed, desired);
    if (changed.length === 0 && !ctx.revertDrift) {
      if (!(await protectionOnlyApproved(run))) return notApproved(run);
      await ensureProtection(ctx, deployed, desired, run.say);
      return { kind: "unchanged", outputs: deployed.outputs, durationMs: run.elapsed(), notes };
    }
    run.say(`changed: ${changed.join("; ")}`);
  }
  const step = ctx.reviewed ? await reviewedChangeSet(run, ctx.reviewed, deployed) : await newChangeSet(run, deployed);
  if ("done" in step) return step.done;
  return approveAndExecute(run, step.ok);
}

async function newChangeSet(run: Run, deployed: DeployedStack | undefined): Promise<Step<ReadyChangeSet>> {
  const { ctx, desired } = run;
  const body = JSON.stringify(desired.template);
  let template: { body: string } | { url: string } = { body };
  if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) {
    if (!ctx.stageTemplate) {
      const message = `template is ${Buffer.byteLength(body)} bytes, over CloudFormation's ${TEMPLATE_BODY_LIMIT}-byte TemplateBody limit: pass --template-bucket BUCKET to stage it in S3`;
      return { done: { kind: "failed", message, durationMs: run.elapsed() } };
    }
    template = { url: await ctx.stageTemplate(desired.name, body) };
  }

  const type = deployed && !isEmptyReview(deployed.status) ? "UPDATE" : "CREATE";
  const made = await makeOwnChangeSet(run, type, template);
  if ("done" in made) return made;
  const { changeSetId, stackId, askedAt } = made.ok;

  const changeSet = await waitForChangeSet(ctx, desired.name, changeSetId).catch((error: unknown) => {
    if (isChangeSetMissing(error)) return undefined;
    throw error;
  });
  if (!changeSet) {
    ctx.pendingChangeSets.delete(desired.name);
    return { done: { kind: "failed", refused: true, message: disappeared(desired.name, ctx.changeSetName), durationMs: run.elapsed() } };
  }
  if (changeSet.status !== "FAILED") {
    await announceValidation(ctx, desired.name, changeSetId, run.say);
    return { ok: { id: changeSetId, name: ctx.changeSetName, stackId, type, changes: changeSet.changes, created: changeSet.created, askedAt } };
  }
  const validation = isNoChangeReason(changeSet.reason) ? undefined : await failedValidation(ctx, desired.name, changeSetId);
  await discard(ctx, desired.name, changeSetId);
  if (isNoChangeReason(changeSet.reason) && deployed && isFailedWithoutRollback(deployed.status)) {
    const message = `${desired.name} is ${deployed.status} and CloudFormation finds nothing to retry in it: roll it back to its last stable state with 'aws cloudformation rollback-stack --stack-name ${desired.name}', then deploy again`;
    return { done: { kind: "needs-recovery", status: deployed.status, message, recovery: message } };
  }
  if (isNoChangeReason(changeSet.reason) && deployed) {
    if (!(await protectionOnlyApproved(run))) return { done: notApproved(run) };
    await ensureProtection(ctx, deployed, desired, run.say);
    return { done: { kind: "unchanged", outputs: deployed.outputs, durationMs: run.elapsed(), notes: run.notes } };
  }
  const leftNoStack = type === "CREATE" && (await removeEmptyNewStack(ctx, desired.name));
  return { done: { kind: "failed", message: changeSetFailure(changeSet.reason, validation, leftNoStack), durationMs: run.elapsed() } };
}

/**
 * CreateChangeSet, then the check that no other live run's change set came first on the stack
 * (live-runs.ts): if one did, ours is removed again and the stack is left to that run.
 */
async function makeOwnChangeSet(run: Run, type: "CREATE" | "UPDATE", template: { body: string } | { url: string }): Promise<Step<{ changeSetId: string; stackId: string; askedAt: number }>> {
  const { ctx, desired } = run;
  ctx.emit({ type: "node-progress", node: desired.node, at: ctx.clock.now(), status: `creating ${type} change set` });
  const askedAt = ctx.clock.now();
  const created = await ctx.cfn
    .createChangeSet({
      stackName: desired.name,
      changeSetName: ctx.changeSetName,
      type,
      template,
      parameters: desired.parameters,
      tags: desired.tags,
      capabilities: requiredCapabilities(desired.template),
      description: DEPLOY_CHANGE_SET,
      // Drift exists only on a stack that exists: a first create has nothing to revert.
      deploymentMode: ctx.revertDrift && type === "UPDATE" ? "REVERT_DRIFT" : undefined,
      express: ctx.express,
    })
    .catch((error: unknown) => {
      // Runs are named by the millisecond they start: one started in the same instant has this name already.
      if (hasErrorName(error, "AlreadyExistsException")) return undefined;
      throw error;
    });
  if (!created) {
    const message = `another deploy started in the same instant already made change set ${ctx.changeSetName} on ${desired.name}; nothing of ours was made or ran. Wait for that run to finish, then deploy again`;
    return { done: { kind: "failed", refused: true, message, durationMs: run.elapsed() } };
  }
  ctx.pendingChangeSets.set(desired.name, created.changeSetId);
  const giveWay = await settleRivals(ctx, desired.name, created.changeSetId, run.say);
  if (giveWay) {
    await discard(ctx, desired.name, created.changeSetId);
    return { done: { kind: "failed", refused: true, message: giveWay, durationMs: run.elapsed() } };
  }
  return { ok: { ...created, askedAt } };
}

/**
 * `deploy --changeset NAME`: run exactly what was reviewed, or refuse when the stack's desired state moved on.
 * Never a new change set: what nobody reviewed does not run in this mode, not even a stack's creation.
 */
async function reviewedChangeSet(run: Run, reviewed: ReviewedChangeSets, deployed: DeployedStack | undefined): Promise<Step<ReadyChangeSet>> {
  const { ctx, desired } = run;
  const refuse = (why: string): Step<ReadyChangeSet> => ({ done: { kind: "failed", refused: true, message: `refused: ${why}; nothing was executed on ${desired.name}`, durationMs: run.elapsed() } });
  if (!deployed || isEmptyReview(deployed.status)) return refuse(`${desired.name} does not exist, and a reviewed deploy never creates a stack`);
  const check = await reviewed.check(ctx.cfn, desired.name, reviewed.name, { templateBody: JSON.stringify(desired.template), parameters: desired.parameters });
  if (!check.current) return refuse(`reviewed change set ${reviewed.name} is not current (${check.why}); run '${reviewed.command(`changeset ${reviewed.envName}`)}' again and review the new one`);
  const state = await ctx.cfn.describeChangeSet(desired.name, check.changeSetId);
  await announceValidation(ctx, desired.name, check.changeSetId, run.say);
  run.say(`executing reviewed change set ${reviewed.name}`);
  return { ok: { id: check.changeSetId, name: reviewed.name, stackId: deployed.stackId, type: "UPDATE", changes: state.changes, created: state.created } };
}

async function approveAndExecute(run: Run, changeSet: ReadyChangeSet): Promise<NodeResult> {
  const { ctx, desired } = run;
  const lowerings = ctx.lowerings?.get(desired.node) ?? [];
  // A reviewed deploy (--changeset) only ever runs the review's change sets, approved by that review.
  const reviewed = ctx.reviewed !== undefined;
  // Access is judged by content, as the review judged it: the deployed template is read for that.
  const judged = reviewed ? undefined : await approvalContent(ctx.cfn, ctx.approval, desired, changeSet, lowerings);
  if (!reviewed && needsApproval(ctx.approval, changeSet.changes, lowerings, judged?.access)) {
    const approved = await ctx.approve({ node: desired.node, template: desired.template, stack: desired.name, changeSetName: changeSet.name, changes: changeSet.changes, lowerings, judged });
    if (!approved) {
      await discard(ctx, desired.name, changeSet.id);
      return notApproved(run, "change set");
    }
  }

  const late = changeSet.askedAt === undefined ? undefined : tooLateToExecute(changeSet.name, ctx.clock.now() - changeSet.askedAt);
  if (late) {
    await discard(ctx, desired.name, changeSet.id);
    return { kind: "failed", refused: true, message: late, durationMs: run.elapsed() };
  }
  // Executing may replace or remove resources: a Ctrl-C that came in meanwhile (while the change set was
  // computed, or as it was approved) stops it; the unexecuted change set is removed on the way out.
  ctx.signal?.throwIfAborted();
  const localSince = new Date(ctx.clock.now() - 1_000);
  const executed = await execute(ctx, desired.name, changeSet.id);
  if ("refused" in executed) return { kind: "failed", refused: true, message: executed.refused, durationMs: run.elapsed() };
  // Events are stamped by AWS's clock, and this machine's may run seconds ahead: a cut-off taken from it
  // would hide every event of a short update, and with them the failing resource's reason. The change
  // set's creation time is AWS's own and precedes every event of its execution (so the AWS CDK does it).
  const since = { notBefore: changeSet.created ?? localSince, token: executed.token };
  const total = changeSet.type === "CREATE" ? Object.keys(desired.template.Resources).length : changeSet.changes.length;
  const verb = changeSet.type === "CREATE" ? "create" : "update";
  let outcome: WatchOutcome;
  try {
    outcome = await watchOperation(ctx, desired.node, { id: changeSet.stackId, name: desired.name }, { since, total, timeoutMs: ctx.poll.operationTimeoutMs });
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    const message = `the ${verb} of ${desired.name} started, but following it failed (${errorText(error)}); CloudFormation carries on without us: run the deploy again to wait for it and continue`;
    return { kind: "failed", message, durationMs: run.elapsed() };
  }
  const final = outcome.stack;

  if (outcome.timedOut || !final || !isSuccessfulStatus(final.status)) {
    // Stryker disable next-line StringLiteral: a stack gone here was deleted by someone during our own operation; CloudFormation refuses DeleteStack during an update (so does the fake cloud, during any operation but a review), and our failed creates end ROLLBACK_COMPLETE.
    const status = final?.status ?? "DELETED";
    const message = outcome.timedOut ? `still ${status} after ${Math.round(ctx.poll.operationTimeoutMs / 60_000)} min; stopped waiting` : `${verb} failed (${status})`;
    return { kind: "failed", status, rootCause: rootCause(desired.name, outcome.events, final?.statusReason), message, durationMs: run.elapsed() };
  }
  await ensureProtection(ctx, final, desired, run.say);
  return { kind: "deployed", action: verb, outputs: final.outputs, durationMs: run.elapsed(), notes: run.notes };
}

/**
 * Termination protection switched off with no change set to carry the question: the lowering is a
 * concern all the same, asked about on its own.
 */
async function protectionOnlyApproved(run: Run): Promise<boolean> {
  const { ctx, desired } = run;
  const lowerings = ctx.lowerings?.get(desired.node) ?? [];
  if (lowerings.length === 0 || !needsApproval(ctx.approval, [], lowerings)) return true;
  return ctx.approve({ node: desired.node, template: desired.template, stack: desired.name, changes: [], lowerings });
}

const notApproved = (run: Run, what = "termination protection change"): NodeResult => ({ kind: "failed", message: `${what} not approved; nothing was changed`, durationMs: run.elapsed() });

/**
 * ExecuteChangeSet, and what a refusal means: our own first attempt went through (a retry after a lost
 * response: follow it), or the stack changed since the change set was made (say so; nothing runs).
 */
async function execute(ctx: StackDeployContext, stackName: string, changeSetId: string): Promise<{ token?: string } | { refused: string }> {
  let token: string | undefined;
  try {
    token = await ctx.cfn.executeChangeSet(stackName, changeSetId);
  } catch (error) {
    if (isChangeSetMissing(error)) {
      ctx.pendingChangeSets.delete(stackName);
      return { refused: disappeared(stackName, changeSetName(changeSetId)) };
    }
    if (!hasErrorName(error, "InvalidChangeSetStatusException")) throw error;
    const state = await ctx.cfn.describeChangeSet(stackName, changeSetId);
    if (!state.executionStatus.startsWith("EXECUTE_")) {
      await discard(ctx, stackName, changeSetId);
      return { refused: `${stackName} changed after change set ${changeSetName(changeSetId)} was made (someone else updated it?), so CloudFormation will not execute it (${state.executionStatus}): nothing was executed; run the deploy again to compare against the stack as it is now` };
    }
  }
  ctx.pendingChangeSets.delete(stackName);
  return { token };
}

const changeSetName = (changeSetId: string) => /:changeSet\/([^/]+)/.exec(changeSetId)?.[1] ?? changeSetId;

/** Our own change sets are ours to delete only while unexecuted. */
async function discard(ctx: StackDeployContext, stackName: string, changeSetId: string) {
  if (ctx.pendingChangeSets.get(stackName) !== changeSetId) return;
  await ctx.cfn.deleteChangeSet(stackName, changeSetId);
  ctx.pendingChangeSets.delete(stackName);
}


async function ensureProtection(ctx: StackDeployContext, deployed: DeployedStack, desired: DesiredStack, say: (t: string) => void) {
  if (deployed.terminationProtection === desired.terminationProtection) return;
  // Lifting protection is destructive: a Ctrl-C that came in meanwhile (even during its approval) stops it.
  if (!desired.terminationProtection) ctx.signal?.throwIfAborted();
  await ctx.cfn.setTerminationProtection(desired.name, desired.terminationProtection);
  say(`termination protection ${desired.terminationProtection ? "enabled" : "disabled"}`);
}

