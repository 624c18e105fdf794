/**
 * While a stack's ECS service is being created or updated, a look every few seconds at its rollout, told as
 * node-service events (renderers decide the words). Only while CloudFormation reports the service resource in
 * progress: before that the cluster or service may not exist, and after it the counts no longer change.
 */
import { sleepUnlessAborted, type Clock } from "../clock.js";
import type { EngineEvent, EventSink } from "../events.js";
import type { NodeId } from "../graph.js";
import type { NodeResult } from "../results.js";

/** The service's newest PRIMARY deployment, or undefined when there is no service (yet). */
export type ServiceLook = () => Promise<ServiceRollout | undefined>;

export interface ServiceRollout {
  readonly deploymentId: string;
  readonly running: number;
  readonly desired: number;
  readonly pending: number;
  readonly rolloutState: string;
}

/** A rollout takes a minute or more; a look every 5 s keeps the line current for one DescribeServices each. */
export const SERVICE_LOOK_EVERY_MS = 5_000;
/**
 * A rollout still going after 5 minutes is stuck (a crash loop CloudFormation may wait hours on without a circuit
 * breaker): the counts barely change, so a look every 30 s says as much for a sixth of the calls.
 */
const SLOW_LOOKS_AFTER_MS = 5 * 60_000;
const SLOW_LOOK_EVERY_MS = 30_000;

const SERVICE_TYPE = "AWS::ECS::Service";

export interface ServiceProgressWatch {
  /** The node's event sink, which notices the service resource's state on the way through. */
  readonly emit: EventSink;
  /** Looks until `deploying` settles (or Ctrl-C), then resolves with its result. */
  until(deploying: Promise<NodeResult>): Promise<NodeResult>;
}

export function serviceProgressWatch(ctx: { clock: Clock; emit: EventSink; signal?: AbortSignal }, node: NodeId, look: ServiceLook): ServiceProgressWatch {
  let inProgress = false;
  let inProgressSince: number | undefined;
  // When the resource settles, one more look shows how the rollout ended (COMPLETED, or the counts it failed at).
  let finalLookOwed = false;
  const firstSeen = new Map<string, number>();
  const due = () => inProgress || finalLookOwed;
  let wake: (() => void) | undefined;

  const emit: EventSink = (event: EngineEvent) => {
    ctx.emit(event);
    if (event.type !== "resource-event" || event.node !== node || event.resourceType !== SERVICE_TYPE) return;
    const now = /_IN_PROGRESS$/.test(event.status);
    if (inProgress && !now) finalLookOwed = true;
    if (now && !inProgress) inProgressSince = ctx.clock.now();
    inProgress = now;
    if (due()) wake?.();
  };

  /** No timer runs while nothing is due: the loop waits for the service resource's event (or the end). */
  const whenDue = (stop: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (due() || stop.aborted) return resolve();
      const done = () => {
        wake = undefined;
        stop.removeEventListener("abort", done);
        resolve();
      };
      wake = done;
      stop.addEventListener("abort", done, { once: true });
    });

  const lookEvery = () =>
    inProgressSince !== undefined && ctx.clock.now() - inProgressSince >= SLOW_LOOKS_AFTER_MS ? SLOW_LOOK_EVERY_MS : SERVICE_LOOK_EVERY_MS;

  const lookOnce = async () => {
    const rollout = await look().catch(() => undefined); // a look only informs: its failure never fails the deploy
    if (!rollout) return;
    if (!firstSeen.has(rollout.deploymentId)) firstSeen.set(rollout.deploymentId, ctx.clock.now());
    const { deploymentId, ...counts } = rollout;
    ctx.emit({ type: "node-service", node, at: ctx.clock.now(), ...counts, rolloutSince: firstSeen.get(deploymentId)! });
  };

  const until = async (deploying: Promise<NodeResult>): Promise<NodeResult> => {
    const settled = new AbortController();
    const stop = ctx.signal ? AbortSignal.any([settled.signal, ctx.signal]) : settled.signal;
    const looking = (async () => {
      for (;;) {
        await whenDue(stop);
        try {
          await sleepUnlessAborted(ctx.clock, lookEvery(), stop);
        } catch {
          return;
        }
        if (!due()) continue;
        finalLookOwed = false;
        await lookOnce();
      }
    })();
    try {
      return await deploying;
    } finally {
      settled.abort();
      await looking;
      // The stack ended before the next look was due: the last look still belongs before the node's end.
      if (finalLookOwed && !ctx.signal?.aborted) await lookOnce();
    }
  };

  return { emit, until };
}
