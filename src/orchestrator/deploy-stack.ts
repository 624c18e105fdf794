/**
 * One stack from whatever state it is in to the desired template, parameters, tags and protection:
 * recover or refuse odd states, skip when nothing differs, else change set → approval → execute → watch.
 */
import type { Capability, Change } from "@aws-sdk/client-cloudformation";
import { isNoChangeReason, type DeployedStack } from "../aws/cloudformation.js";
import type { Template } from "../templates/cfn.js";
import { sleepUnlessAborted } from "./clock.js";
import { needsApproval, type ApprovalLevel } from "./approval.js";
import type { NodeId } from "./graph.js";
import type { NodeResult } from "./results.js";
import { isEmptyReview, isFailedFirstCreate, isInProgress, isSuccess, isUpdatable, needsManualRecovery } from "./stack-status.js";
import { rootCause, watchOperation, type WatchContext } from "./watch.js";

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
  readonly stack: string;
  readonly changeSetName: string;
  readonly changes: readonly Change[];
}

export interface StackDeployContext extends WatchContext {
  readonly changeSetName: string;
  readonly approval: ApprovalLevel;
  readonly approve: (review: ChangeSetReview) => Promise<boolean>;
  readonly continueRollback: boolean;
  /** Uploads an oversized template and returns its URL; absent, such templates are refused. */
  readonly stageTemplate?: (stackName: string, body: string) => Promise<string>;
  /** Change sets this run created and has not executed: deleted if the run is interrupted. */
  readonly pendingChangeSets: Map<string, string>;
}

export function requiredCapabilities(template: Template): Capability[] {
  const resources = Object.values(template.Resources);
  if (!resources.some((r) => r.Type.startsWith("AWS::IAM::"))) return [];
  const named = resources.some((r) => ["RoleName", "ManagedPolicyName", "UserName", "GroupName"].some((p) => r.Properties?.[p] !== undefined));
  return named ? ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] : ["CAPABILITY_IAM"];
}

const sameRecord = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export async function deployStack(ctx: StackDeployContext, desired: DesiredStack): Promise<NodeResult> {
  const started = ctx.clock.now();
  const elapsed = () => ctx.clock.now() - started;
  const notes: string[] = [];
  const say = (text: string) => {
    notes.push(text);
    ctx.emit({ type: "node-message", node: desired.node, at: ctx.clock.now(), text });
  };

  const current = await settledState(ctx, desired, say);
  if (current && "kind" in current) return current;
  const deployed = current as DeployedStack | undefined;

  if (deployed && isUpdatable(deployed.status) && (await isUnchanged(ctx, deployed, desired))) {
    await ensureProtection(ctx, deployed, desired, say);
    return { kind: "unchanged", outputs: deployed.outputs, durationMs: elapsed(), notes };
  }

  const body = JSON.stringify(desired.template);
  let template: { body: string } | { url: string } = { body };
  if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) {
    if (!ctx.stageTemplate) {
      return {
        kind: "failed",
        message: `template is ${Buffer.byteLength(body)} bytes, over CloudFormation's ${TEMPLATE_BODY_LIMIT}-byte TemplateBody limit: pass --template-bucket BUCKET to stage it in S3`,
        durationMs: elapsed(),
      };
    }
    template = { url: await ctx.stageTemplate(desired.name, body) };
  }

  const type = deployed && !isEmptyReview(deployed.status) ? "UPDATE" : "CREATE";
  ctx.emit({ type: "node-progress", node: desired.node, at: ctx.clock.now(), status: `creating ${type} change set` });
  const { changeSetId, stackId } = await ctx.cfn.createChangeSet({
    stackName: desired.name,
    changeSetName: ctx.changeSetName,
    type,
    template,
    parameters: desired.parameters,
    tags: desired.tags,
    capabilities: requiredCapabilities(desired.template),
    description: "created by orchestrate deploy",
  });
  ctx.pendingChangeSets.set(desired.name, changeSetId);

  const changeSet = await waitForChangeSet(ctx, desired.name, changeSetId);
  if (changeSet.status === "FAILED") {
    await ctx.cfn.deleteChangeSet(desired.name, changeSetId);
    ctx.pendingChangeSets.delete(desired.name);
    if (isNoChangeReason(changeSet.reason) && deployed) {
      await ensureProtection(ctx, deployed, desired, say);
      return { kind: "unchanged", outputs: deployed.outputs, durationMs: elapsed(), notes };
    }
    return { kind: "failed", message: `change set failed: ${changeSet.reason ?? "no reason given"}`, durationMs: elapsed() };
  }

  if (needsApproval(ctx.approval, changeSet.changes)) {
    const approved = await ctx.approve({ stack: desired.name, changeSetName: ctx.changeSetName, changes: changeSet.changes });
    if (!approved) {
      await ctx.cfn.deleteChangeSet(desired.name, changeSetId);
      ctx.pendingChangeSets.delete(desired.name);
      return { kind: "failed", message: "change set not approved; nothing was changed", durationMs: elapsed() };
    }
  }

  const since = new Date(ctx.clock.now() - 1_000);
  await ctx.cfn.executeChangeSet(desired.name, changeSetId);
  ctx.pendingChangeSets.delete(desired.name);
  const total = type === "CREATE" ? Object.keys(desired.template.Resources).length : changeSet.changes.length;
  const outcome = await watchOperation(ctx, desired.node, { id: stackId, name: desired.name }, { since, total, timeoutMs: ctx.poll.operationTimeoutMs });
  const final = outcome.stack;

  if (outcome.timedOut || !final || !isSuccess(final.status)) {
    const cause = rootCause(desired.name, outcome.events, final?.statusReason);
    const status = final?.status ?? "DELETED";
    return {
      kind: "failed",
      status,
      rootCause: cause,
      message: outcome.timedOut ? `still ${status} after ${Math.round(ctx.poll.operationTimeoutMs / 60_000)} min; stopped waiting` : `${type === "CREATE" ? "create" : "update"} failed (${status})`,
      durationMs: elapsed(),
    };
  }
  await ensureProtection(ctx, final, desired, say);
  return { kind: "deployed", action: type === "CREATE" ? "create" : "update", outputs: final.outputs, durationMs: elapsed(), notes };
}

/**
 * Waits out operations started by someone else, recreates a failed first create, and turns states
 * only a person can fix into `needs-recovery` with the exact next step.
 */
async function settledState(
  ctx: StackDeployContext,
  desired: DesiredStack,
  say: (text: string) => void,
): Promise<DeployedStack | NodeResult | undefined> {
  let current = await ctx.cfn.describeStack(desired.name);
  if (current && isInProgress(current.status)) {
    say(`${current.status} from another operation: waiting for it to finish`);
    const outcome = await watchOperation(ctx, desired.node, { id: current.stackId, name: desired.name }, {
      since: new Date(ctx.clock.now()),
      timeoutMs: ctx.poll.othersTimeoutMs,
    });
    if (outcome.timedOut) {
      return { kind: "failed", status: outcome.stack?.status, message: `another operation kept the stack ${outcome.stack?.status} for over ${Math.round(ctx.poll.othersTimeoutMs / 60_000)} min; try again when it ends`, durationMs: 0 };
    }
    current = outcome.stack;
  }
  if (current?.status === "UPDATE_ROLLBACK_FAILED" && ctx.continueRollback) {
    say("UPDATE_ROLLBACK_FAILED: continuing the rollback (--continue-rollback)");
    await ctx.cfn.continueUpdateRollback(desired.name);
    const outcome = await watchOperation(ctx, desired.node, { id: current.stackId, name: desired.name }, {
      since: new Date(ctx.clock.now() - 1_000),
      timeoutMs: ctx.poll.operationTimeoutMs,
    });
    current = outcome.stack;
  }
  if (current && needsManualRecovery(current.status)) {
    return { kind: "needs-recovery", status: current.status, message: `${desired.name} is ${current.status}${current.statusReason ? `: ${current.statusReason}` : ""}`, recovery: recoveryStep(desired.name, current.status) };
  }
  if (current && isFailedFirstCreate(current.status)) {
    say("ROLLBACK_COMPLETE after a failed first create: deleting the empty stack and creating it again");
    if (current.terminationProtection) await ctx.cfn.setTerminationProtection(desired.name, false);
    await ctx.cfn.deleteStack(current.stackId);
    const outcome = await watchOperation(ctx, desired.node, { id: current.stackId, name: desired.name }, {
      since: new Date(ctx.clock.now() - 1_000),
      timeoutMs: ctx.poll.operationTimeoutMs,
    });
    if (outcome.stack && outcome.stack.status !== "DELETE_COMPLETE") {
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

async function isUnchanged(ctx: StackDeployContext, deployed: DeployedStack, desired: DesiredStack): Promise<boolean> {
  if (!sameRecord(deployed.parameters, desired.parameters) || !sameRecord(deployed.tags, desired.tags)) return false;
  const body = await ctx.cfn.templateBody(desired.name);
  if (body === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(body)) === JSON.stringify(desired.template);
  } catch {
    return false; // a YAML or hand-edited template is never "the same"
  }
}

async function ensureProtection(ctx: StackDeployContext, deployed: DeployedStack, desired: DesiredStack, say: (t: string) => void) {
  if (deployed.terminationProtection === desired.terminationProtection) return;
  await ctx.cfn.setTerminationProtection(desired.name, desired.terminationProtection);
  say(`termination protection ${desired.terminationProtection ? "enabled" : "disabled"}`);
}

async function waitForChangeSet(ctx: StackDeployContext, stackName: string, changeSetId: string) {
  let delay = 1_000;
  const deadline = ctx.clock.now() + 15 * 60_000;
  for (;;) {
    await sleepUnlessAborted(ctx.clock, delay, ctx.signal);
    const state = await ctx.cfn.describeChangeSet(stackName, changeSetId);
    if (state.status === "CREATE_COMPLETE" || state.status === "FAILED") return state;
    if (ctx.clock.now() > deadline) throw new Error(`change set ${changeSetId} still ${state.status} after 15 min`);
    delay = Math.min(delay * 1.5, 5_000);
  }
}
