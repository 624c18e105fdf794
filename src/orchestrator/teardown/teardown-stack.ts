/**
 * One stack's teardown: empty its deletable buckets, lift its protections, delete it, follow the
 * deletion. Each of those destroys something, so each checks for Ctrl-C before it starts: after the
 * first Ctrl-C nothing new begins (a DeleteObjects batch in flight may finish), and the outcome says
 * what was done and what was not.
 */
import type { DeployedStack } from "../../aws/cloudformation.js";
import { errorText } from "../../aws/error-text.js";
import { hasErrorName } from "../../aws/retry.js";
import type { BucketEmptying } from "../../aws/s3.js";
import { stackName, type Environment, type StackId } from "../../env/model.js";
import { STACK_TYPE } from "../../templates/cfn.js";
import type { RootCause } from "../results.js";
import { isInProgress } from "../stack-status.js";
import type { BucketToEmpty, PlannedStack, TeardownPlan } from "./teardown-plan.js";
import { rootCause, watchOperation, type WatchContext } from "../watch.js";
import type { NodeId } from "../graph.js";

export type TeardownOutcome =
  | { kind: "deleted"; durationMs: number; notes: string[] }
  | { kind: "absent" }
  | { kind: "failed"; status?: string; rootCause?: RootCause; message: string; recovery?: string; durationMs: number }
  | { kind: "skipped"; because: NodeId[]; message: string }
  /** `done` and `notDone` name the destructive steps on either side of the Ctrl-C, when the node got that far. */
  | { kind: "interrupted"; message: string; done?: readonly string[]; notDone?: readonly string[] };

/** What following stacks needs (CloudFormation, clock, polling, events, Ctrl-C), plus the environment. */
export interface StackTeardownRequest extends WatchContext {
  readonly env: Environment;
  /** What planTeardown found; call teardown only once a person has confirmed it. */
  readonly plan: TeardownPlan;
  /** Deletes every object version and delete marker; reports the running count; starts no batch once `signal` is aborted. */
  readonly emptyBucket: (bucket: string, options: { onProgress: (deleted: number) => void; signal?: AbortSignal }) => Promise<BucketEmptying>;
  /** Turns a load balancer's deletion protection off, so CloudFormation can delete it. */
  readonly liftLoadBalancerProtection: (loadBalancerArn: string) => Promise<void>;
}

/** A destructive step: `label` names it in "not done"; `run` says what it did and whether Ctrl-C stopped it midway. */
interface Step {
  readonly label: string;
  readonly run: () => Promise<{ done: string; complete: boolean }>;
}

export async function stackNode(request: StackTeardownRequest, node: StackId): Promise<TeardownOutcome> {
  const started = request.clock.now();
  const name = stackName(request.env, node);
  const notes: string[] = [];
  const say = (text: string) => {
    notes.push(text);
    request.emit({ type: "node-message", node, at: request.clock.now(), text });
  };

  let current = await request.cfn.describeStack(name);
  if (current && isInProgress(current.status)) {
    const following = current.status === "DELETE_IN_PROGRESS";
    say(following ? "DELETE_IN_PROGRESS from an earlier run: following it" : `${current.status} from another operation: waiting for it to finish`);
    const outcome = await watchOperation(request, node, { id: current.stackId, name }, { since: { notBefore: new Date(request.clock.now()) }, timeoutMs: request.poll.othersTimeoutMs });
    if (outcome.timedOut) return { kind: "failed", status: outcome.stack?.status, message: `still ${outcome.stack?.status} after ${minutes(request.poll.othersTimeoutMs)} min; run teardown again later`, durationMs: request.clock.now() - started };
    current = outcome.stack;
    if (!current && following) return { kind: "deleted", durationMs: request.clock.now() - started, notes };
  }
  if (!current) return { kind: "absent" };

  const planned = request.plan.stacks.find((s) => s.node === node);
  if (!planned?.status) {
    // Only what a person confirmed is deleted: a stack created since the plan was read was not in it.
    return { kind: "failed", status: current.status, message: `${name} appeared after the plan was shown: run the teardown again to see it in the plan`, durationMs: 0 };
  }
  const before = steps(request, node, planned, current, say);
  const done: string[] = [];
  for (const [index, step] of before.entries()) {
    const notDone = () => [...before.slice(index).map((s) => s.label), "DeleteStack"];
    if (request.signal?.aborted) return interrupted(done, notDone());
    const result = await step.run();
    done.push(result.done);
    if (!result.complete) return interrupted(done, notDone());
  }
  if (request.signal?.aborted) return interrupted(done, ["DeleteStack"]);
  return deleteAndWatch(request, node, current, started, notes, done, planned.resources);
}

const interrupted = (done: readonly string[], notDone: readonly string[]): TeardownOutcome => ({ kind: "interrupted", message: "stopped by Ctrl-C", done, notDone });

/** In order: empty the buckets that go with the stack, then lift what protects the stack and its load balancer. */
function steps(request: StackTeardownRequest, node: StackId, planned: PlannedStack, current: DeployedStack, say: (text: string) => void): Step[] {
  const lift = (label: string, done: string, call: () => Promise<void>): Step => ({
    label,
    run: async () => {
      await call();
      say(done);
      return { done, complete: true };
    },
  });
  return [
    ...planned.bucketsToEmpty.map((bucket): Step => ({ label: `emptying s3://${bucket.bucket}`, run: () => emptyBucket(request, node, bucket, say) })),
    ...(current.terminationProtection ? [lift("lifting termination protection", "termination protection lifted", () => request.cfn.setTerminationProtection(current.name, false))] : []),
    ...planned.protectedLoadBalancers.map((arn) =>
      lift(`lifting load balancer deletion protection of ${arn}`, `load balancer deletion protection lifted: ${arn}`, () => request.liftLoadBalancerProtection(arn)),
    ),
  ];
}

/** A bucket with objects cannot be deleted, so CloudFormation would fail on it; versions and delete markers count too. */
async function emptyBucket(request: StackTeardownRequest, node: StackId, { bucket }: BucketToEmpty, say: (text: string) => void) {
  say(`emptying s3://${bucket}`);
  try {
    const { deleted, stopped } = await request.emptyBucket(bucket, {
      onProgress: (n) => request.emit({ type: "node-progress", node, at: request.clock.now(), status: `emptying s3://${bucket}: ${n} deleted` }),
      signal: request.signal,
    });
    const done = stopped
      ? `s3://${bucket} partly emptied (${deleted} object versions and delete markers deleted)`
      : `s3://${bucket} emptied: ${deleted} object versions and delete markers deleted`;
    say(done);
    return { done, complete: !stopped };
  } catch (error) {
    // An earlier run may have got as far as deleting the bucket itself.
    if (!hasErrorName(error, "NoSuchBucket")) throw new Error(`emptying s3://${bucket} failed: ${errorText(error)}; the stack was not deleted`, { cause: error });
    const done = `s3://${bucket} is already gone`;
    say(done);
    return { done, complete: true };
  }
}

async function deleteAndWatch(request: StackTeardownRequest, node: StackId, current: DeployedStack, started: number, notes: string[], done: string[], total: number): Promise<TeardownOutcome> {
  const name = current.name;
  // The deletion's events carry its token whatever the clocks say; the local time is the fallback.
  const notBefore = new Date(request.clock.now() - 1_000);
  const since = { notBefore, token: await request.cfn.deleteStack(current.stackId) };
  let outcome;
  try {
    outcome = await watchOperation(request, node, { id: current.stackId, name }, { since, total, timeoutMs: request.poll.operationTimeoutMs });
  } catch (error) {
    if (request.signal?.aborted) return interrupted([...done, "DeleteStack sent: CloudFormation carries on deleting"], ["following the deletion to its end"]);
    const message = `following the deletion failed: ${errorText(error)}; CloudFormation carries on deleting: run the teardown again to follow it`;
    return { kind: "failed", message, durationMs: request.clock.now() - started };
  }
  const durationMs = request.clock.now() - started;
  const final = outcome.stack;
  // describeStack answers undefined for a deleted stack (DELETE_COMPLETE included).
  if (!final) return { kind: "deleted", durationMs, notes };
  const cause = rootCause(name, outcome.events, final.statusReason);
  return {
    kind: "failed",
    status: final.status,
    rootCause: cause,
    message: outcome.timedOut ? `still ${final.status} after ${minutes(request.poll.operationTimeoutMs)} min; stopped waiting` : `deletion failed (${final.status})`,
    recovery: outcome.timedOut ? "CloudFormation carries on deleting; run the teardown again to follow it to its end" : failedDeletionRecovery(name, cause, request.env.region),
    durationMs,
  };
}

/**
 * DeleteStack's RetainResources takes, for a stack in DELETE_FAILED, logical IDs of the stack's resources
 * (DeleteStack API reference): offer it only when a resource, not the stack itself, is what failed.
 */
function failedDeletionRecovery(name: string, cause: RootCause | undefined, region: string): string {
  if (!cause || cause.resourceType === STACK_TYPE) return "fix what CloudFormation reported above, then run the teardown again";
  return `remove or fix what blocks ${cause.logicalId}, then run the teardown again; to leave that resource behind instead: aws cloudformation delete-stack --stack-name ${name} --retain-resources ${cause.logicalId} --region ${region}`;
}

const minutes = (ms: number) => Math.round(ms / 60_000);
