/**
 * Follows one stack operation to its end: stack events about every 2 s (so progress shows promptly),
 * the stack's status with backoff (it rarely changes and the events announce the end anyway).
 */
import type { StackEvent } from "@aws-sdk/client-cloudformation";
import type { CloudFormationApi, DeployedStack, OperationStart } from "../aws/cloudformation.js";
import { sleepUnlessAborted, type Clock } from "./clock.js";
import type { EventSink } from "./events.js";
import type { NodeId } from "./graph.js";
import type { RootCause } from "./results.js";
import { STACK_TYPE } from "../templates/cfn.js";
import { isCancellationReason, isFailedResourceStatus, isTerminal } from "./stack-status.js";

export interface PollSettings {
  readonly eventsEveryMs: number;
  readonly statusMinMs: number;
  readonly statusMaxMs: number;
  /** How long to wait for an operation someone else started before giving up. */
  readonly othersTimeoutMs: number;
  /** Upper bound for one of our own stack operations. */
  readonly operationTimeoutMs: number;
}

export const DEFAULT_POLL: PollSettings = {
  eventsEveryMs: 2_000,
  statusMinMs: 2_000,
  statusMaxMs: 30_000,
  othersTimeoutMs: 30 * 60_000,
  operationTimeoutMs: 3 * 60 * 60_000,
};

export interface WatchContext {
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  readonly poll: PollSettings;
  readonly emit: EventSink;
  readonly signal?: AbortSignal;
}

export interface WatchOutcome {
  /** The stack at the end; undefined when it no longer exists (deleted). */
  readonly stack: DeployedStack | undefined;
  readonly events: StackEvent[];
  readonly timedOut: boolean;
}

export async function watchOperation(
  ctx: WatchContext,
  node: NodeId,
  stack: { id: string; name: string },
  options: { since: OperationStart; total?: number; timeoutMs: number },
): Promise<WatchOutcome> {
  const tracked = trackEvents(ctx, node, stack.name, options.total);
  const started = ctx.clock.now();
  let statusDelay = ctx.poll.statusMinMs;
  let nextStatusAt = started + statusDelay;
  let pollAt = started + ctx.poll.eventsEveryMs;

  for (;;) {
    await sleepUnlessAborted(ctx.clock, Math.max(0, pollAt - ctx.clock.now()), ctx.signal);
    // A fixed cadence: the next look is due one interval after this one begins, not after its calls
    // return, so an event waits at most eventsEveryMs to be seen. A slow round never causes a burst.
    pollAt = Math.max(pollAt, ctx.clock.now()) + ctx.poll.eventsEveryMs;
    const stackReachedEnd = tracked.take(await ctx.cfn.eventsSince(stack.id, tracked.seen, options.since));

    const now = ctx.clock.now();
    if (stackReachedEnd || now >= nextStatusAt) {
      const current = await ctx.cfn.describeStack(stack.id);
      if (!current || isTerminal(current.status)) {
        // The status told of the end before the events did: the last ones (a DELETE_FAILED resource and
        // its reason come together with the stack's) happened while it was read. One more read gets them;
        // it only adds detail, so its failure must not turn a finished operation into a failed one.
        if (!stackReachedEnd) tracked.take(await ctx.cfn.eventsSince(stack.id, tracked.seen, options.since).catch(() => []));
        return { stack: current, events: tracked.events, timedOut: false };
      }
      statusDelay = Math.min(statusDelay * 2, ctx.poll.statusMaxMs);
      nextStatusAt = now + statusDelay;
    }
    if (now - started > options.timeoutMs) return { stack: await ctx.cfn.describeStack(stack.id), events: tracked.events, timedOut: true };
  }
}

/** The operation's events seen so far, and `take`, which records fresh ones and shows them as they come. */
function trackEvents(ctx: WatchContext, node: NodeId, stackName: string, total: number | undefined) {
  const seen = new Set<string>();
  const events: StackEvent[] = [];
  const finished = new Set<string>();

  /** Shows fresh events; says whether the stack's own event announced the operation's end. */
  const take = (fresh: StackEvent[]): boolean => {
    let stackReachedEnd = false;
    for (const event of fresh) {
      if (event.EventId) seen.add(event.EventId);
      events.push(event);
      const status = event.ResourceStatus ?? "";
      if (event.LogicalResourceId === stackName && event.ResourceType === STACK_TYPE) {
        stackReachedEnd ||= isTerminal(status);
        continue;
      }
      if (status.endsWith("_COMPLETE")) finished.add(event.LogicalResourceId ?? "");
      ctx.emit({
        type: "resource-event",
        node,
        at: ctx.clock.now(),
        logicalId: event.LogicalResourceId ?? "",
        resourceType: event.ResourceType ?? "",
        status,
        reason: event.ResourceStatusReason,
      });
    }
    const latest = fresh.at(-1);
    if (latest) {
      ctx.emit({
        type: "node-progress",
        node,
        at: ctx.clock.now(),
        status: latestStackStatus(events, stackName) ?? "IN_PROGRESS",
        done: finished.size,
        total,
        current: latest.ResourceType,
      });
    }
    return stackReachedEnd;
  };
  return { seen, events, take };
}

function latestStackStatus(events: StackEvent[], stackName: string): string | undefined {
  return events.filter((e) => e.LogicalResourceId === stackName && e.ResourceType === STACK_TYPE).at(-1)?.ResourceStatus;
}

/**
 * The first resource failure of the operation, skipping CloudFormation's "Resource creation cancelled"
 * that follows it; the stack's own reason only when no resource failed.
 */
export function rootCause(stackName: string, events: readonly StackEvent[], fallbackReason?: string): RootCause | undefined {
  const failures = events.filter((e) => isFailedResourceStatus(e.ResourceStatus ?? "") && !isCancellationReason(e.ResourceStatusReason));
  const resourceFailure = failures.find((e) => e.ResourceType !== STACK_TYPE) ?? failures[0];
  if (resourceFailure) {
    return {
      stack: stackName,
      logicalId: resourceFailure.LogicalResourceId ?? stackName,
      resourceType: resourceFailure.ResourceType ?? "unknown",
      reason: resourceFailure.ResourceStatusReason ?? "no reason given",
    };
  }
  return fallbackReason ? { stack: stackName, logicalId: stackName, resourceType: STACK_TYPE, reason: fallbackReason } : undefined;
}
