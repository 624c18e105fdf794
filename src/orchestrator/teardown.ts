/**
 * `teardown <env>`: the stack graph run backwards. A stack goes only after everything that consumes
 * it has gone; independent stacks go in parallel; a failed deletion stops what it depends on. A
 * rerun finishes what an interrupted or failed run left: missing stacks are skipped, deletions in
 * progress are followed to their end.
 */
import type { DeployedStack } from "../aws/cloudformation.js";
import { hasErrorName } from "../aws/retry.js";
import { stackName, type Environment, type StackId } from "../env/model.js";
import { STACKS } from "../templates/index.js";
import { buildGraph, reversed, type NodeId } from "./graph.js";
import type { NodeResult, RootCause } from "./results.js";
import { isInProgress } from "./stack-status.js";
import type { RetainedResource, TeardownPlan } from "./teardown-plan.js";
import { rootCause, watchOperation, type WatchContext } from "./watch.js";
import { runGraph } from "./work-graph.js";

export type TeardownOutcome =
  | { kind: "deleted"; durationMs: number; notes: string[] }
  | { kind: "absent" }
  | { kind: "failed"; status?: string; rootCause?: RootCause; message: string; recovery?: string; durationMs: number }
  | { kind: "skipped"; because: NodeId[]; message: string }
  | { kind: "interrupted"; message: string };

/** What following stacks needs (CloudFormation, clock, polling, events, Ctrl-C), plus the environment. */
export interface TeardownRequest extends WatchContext {
  readonly env: Environment;
  /** What planTeardown found; call teardown only once a person has confirmed it. */
  readonly plan: TeardownPlan;
  readonly concurrency?: number;
  /** Deletes every object version and delete marker; reports the running count. */
  readonly emptyBucket: (bucket: string, onProgress: (deleted: number) => void) => Promise<number>;
  /** Turns a load balancer's deletion protection off, so CloudFormation can delete it. */
  readonly liftLoadBalancerProtection: (loadBalancerArn: string) => Promise<void>;
  /** Deletes the certificate and its validation record; undefined when there was none. */
  readonly removeCertificate: () => Promise<string[] | undefined>;
  /** `--include-repository`: deletes the ECR repository once the backend has gone. */
  readonly removeRepository?: () => Promise<string>;
}

export interface TeardownReport {
  readonly env: Environment;
  readonly outcomes: Map<NodeId, TeardownOutcome>;
  /** Resources the deleted stacks left behind by DeletionPolicy Retain. */
  readonly retained: readonly RetainedResource[];
  readonly repository?: string;
  readonly interrupted: boolean;
}

export async function teardown(request: TeardownRequest): Promise<TeardownReport> {
  const outcomes = new Map<NodeId, TeardownOutcome>();
  const runNode = async (node: NodeId): Promise<NodeResult> => {
    const outcome = node === "certificate" ? await certificateNode(request) : await stackNode(request, node);
    outcomes.set(node, outcome);
    if (outcome.kind === "deleted" || outcome.kind === "absent") {
      request.emit({ type: "node-message", node, at: request.clock.now(), text: outcome.kind === "absent" ? "not deployed: nothing to delete" : "deleted" });
    }
    return asNodeResult(outcome);
  };
  const results = await runGraph(reversed(buildGraph(STACKS)), runNode, {
    concurrency: request.concurrency,
    signal: request.signal,
    emit: request.emit,
    now: () => request.clock.now(),
  });
  // The graph runner decides skips and interruptions itself; those never reach runNode.
  for (const [node, result] of results) if (!outcomes.has(node)) outcomes.set(node, fromNodeResult(result));

  const backendGone = ["deleted", "absent"].includes(outcomes.get("backend")?.kind ?? "");
  const repository = request.removeRepository && backendGone && !request.signal?.aborted ? await request.removeRepository() : undefined;
  // A stack that is still there still manages its resources: only deleted stacks leave retained ones behind.
  const retained = request.plan.retained.filter((r) => outcomes.get(r.node)?.kind === "deleted");
  return { env: request.env, outcomes, retained, repository, interrupted: Boolean(request.signal?.aborted) };
}

/** runGraph only needs to know whether dependents may go ahead. */
function asNodeResult(outcome: TeardownOutcome): NodeResult {
  switch (outcome.kind) {
    case "deleted":
      return { kind: "unchanged", outputs: {}, durationMs: outcome.durationMs, notes: outcome.notes };
    case "absent":
      return { kind: "unchanged", outputs: {}, durationMs: 0 };
    default:
      return outcome;
  }
}

function fromNodeResult(result: NodeResult): TeardownOutcome {
  switch (result.kind) {
    case "skipped":
    case "interrupted":
      return result;
    case "failed":
      return { kind: "failed", message: result.message, rootCause: result.rootCause, status: result.status, durationMs: result.durationMs };
    default:
      return { kind: "failed", message: `unexpected result ${result.kind}`, durationMs: 0 };
  }
}

async function certificateNode(request: TeardownRequest): Promise<TeardownOutcome> {
  const started = request.clock.now();
  const notes = await request.removeCertificate();
  for (const text of notes ?? []) request.emit({ type: "node-message", node: "certificate", at: request.clock.now(), text });
  return notes ? { kind: "deleted", durationMs: request.clock.now() - started, notes } : { kind: "absent" };
}

async function stackNode(request: TeardownRequest, node: StackId): Promise<TeardownOutcome> {
  const started = request.clock.now();
  const name = stackName(request.env, node);
  const notes: string[] = [];
  const say = (text: string) => {
    notes.push(text);
    request.emit({ type: "node-message", node, at: request.clock.now(), text });
  };
  const ctx: WatchContext = request;

  let current = await request.cfn.describeStack(name);
  if (current && isInProgress(current.status)) {
    const following = current.status === "DELETE_IN_PROGRESS";
    say(following ? "DELETE_IN_PROGRESS from an earlier run: following it" : `${current.status} from another operation: waiting for it to finish`);
    const outcome = await watchOperation(ctx, node, { id: current.stackId, name }, { since: { notBefore: new Date(request.clock.now()) }, timeoutMs: request.poll.othersTimeoutMs });
    if (outcome.timedOut) return { kind: "failed", status: outcome.stack?.status, message: `still ${outcome.stack?.status} after ${minutes(request.poll.othersTimeoutMs)} min; run teardown again later`, durationMs: request.clock.now() - started };
    current = outcome.stack;
    if (!current && following) return { kind: "deleted", durationMs: request.clock.now() - started, notes };
  }
  if (!current) return { kind: "absent" };

  const planned = request.plan.stacks.find((s) => s.node === node);
  for (const bucket of planned?.bucketsToEmpty ?? []) await emptyBucket(request, node, bucket, say);
  if (current.terminationProtection) {
    await request.cfn.setTerminationProtection(name, false);
    say("termination protection lifted");
  }
  for (const arn of planned?.protectedLoadBalancers ?? []) {
    await request.liftLoadBalancerProtection(arn);
    say(`load balancer deletion protection lifted: ${arn}`);
  }
  return deleteAndWatch(request, node, current, started, notes);
}

async function deleteAndWatch(request: TeardownRequest, node: StackId, current: DeployedStack, started: number, notes: string[]): Promise<TeardownOutcome> {
  const name = current.name;
  // The deletion's events carry its token whatever the clocks say; the local time is the fallback.
  const notBefore = new Date(request.clock.now() - 1_000);
  const since = { notBefore, token: await request.cfn.deleteStack(current.stackId) };
  const total = request.plan.stacks.find((s) => s.node === node)?.resources;
  const outcome = await watchOperation(request, node, { id: current.stackId, name }, { since, total, timeoutMs: request.poll.operationTimeoutMs });
  const durationMs = request.clock.now() - started;
  const final = outcome.stack;
  if (!final || final.status === "DELETE_COMPLETE") return { kind: "deleted", durationMs, notes };
  const cause = rootCause(name, outcome.events, final.statusReason);
  return {
    kind: "failed",
    status: final.status,
    rootCause: cause,
    message: outcome.timedOut ? `still ${final.status} after ${minutes(request.poll.operationTimeoutMs)} min; stopped waiting` : `deletion failed (${final.status})`,
    recovery: `remove or fix what blocks ${cause?.logicalId ?? "the deletion"}, then run the teardown again; to leave that resource behind instead: aws cloudformation delete-stack --stack-name ${name} --retain-resources ${cause?.logicalId ?? "LOGICAL_ID"} --region ${request.env.region}`,
    durationMs,
  };
}

/** A bucket with objects cannot be deleted, so CloudFormation would fail on it; versions and delete markers count too. */
async function emptyBucket(request: TeardownRequest, node: StackId, bucket: string, say: (text: string) => void) {
  say(`emptying s3://${bucket}`);
  try {
    const deleted = await request.emptyBucket(bucket, (n) =>
      request.emit({ type: "node-progress", node, at: request.clock.now(), status: `emptying s3://${bucket}: ${n} deleted` }),
    );
    say(`s3://${bucket} emptied: ${deleted} object versions and delete markers deleted`);
  } catch (error) {
    // An earlier run may have got as far as deleting the bucket itself.
    if (!hasErrorName(error, "NoSuchBucket")) throw error;
    say(`s3://${bucket} is already gone`);
  }
}

const minutes = (ms: number) => Math.round(ms / 60_000);
