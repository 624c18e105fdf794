/**
 * The service moved to another task definition without CloudFormation, and followed until ECS says the
 * rollout COMPLETED. Two callers: a hotswap (a new revision first) and the heal of a hotswap's drift (back to
 * the stack's own revision). UpdateService carries only the task definition: the service keeps its own
 * minimum/maximum healthy percent and circuit breaker, so there is no downtime (the CDK forces
 * minimumHealthyPercent 0, aws-cdk#29618), and success is only reported after the rollout (aws-cdk#27882).
 */
import type { NodeId } from "../graph.js";
import type { Clock } from "../clock.js";
import type { EventSink } from "../events.js";
import { elapsed } from "../../duration.js";
import type { EcsLayer } from "./ecs-wiring.js";
import { nextRevision, type HotswapChange } from "./revision.js";
import { canonicalJson } from "../../canonical-json.js";
import { CONTAINER_NAME } from "../../templates/backend/shared.js";

export interface ServiceTarget {
  readonly cluster: string;
  readonly service: string;
}

export interface SwapContext extends EcsLayer {
  /** The command that shows the container's logs, named in a crash's hint. */
  readonly logsCommand?: string;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly emit: EventSink;
  readonly node: NodeId;
  readonly timeoutMs: number;
}

export type SwapOutcome =
  /** `alreadyRunning`: the running revision had the change already (the same hotswap run again): nothing was done. */
  | { readonly ok: true; readonly taskDefinitionArn: string; readonly previous: string; readonly alreadyRunning?: boolean }
  | { readonly ok: false; readonly message: string; readonly evidence: readonly string[] };

/** A new revision of the running task definition with `change`, then the service rolled onto it. */
export async function hotswapService(ctx: SwapContext, target: ServiceTarget, change: HotswapChange, tags: Readonly<Record<string, string>>): Promise<SwapOutcome> {
  const running = await ctx.ecs.serviceDetails(target.cluster, target.service);
  if (!running) return { ok: false, message: `ECS service ${target.service} was not found in cluster ${target.cluster}`, evidence: [] };
  const current = await ctx.ecs.taskDefinition(running.taskDefinition);
  const input = nextRevision(current, change, tags);
  // Only the app container changes: when it already has the image and values, a new revision would be the same
  // definition again, and its rollout a minute of replacing tasks for nothing.
  const app = (definition: { containerDefinitions?: { name?: string }[] }) => canonicalJson(definition.containerDefinitions?.find((c) => c.name === CONTAINER_NAME));
  if (app(input) === app(current)) {
    // Nothing to change, but not yet a success: that revision's rollout (a crash loop, say) is followed to its end all the same.
    const primary = running.deployments.find((d) => d.status === "PRIMARY");
    const outcome = primary ? await followDeployment(ctx, target, primary.id, running.taskDefinition, running.taskDefinition) : undefined;
    if (outcome && !outcome.ok) return outcome;
    return { ok: true, taskDefinitionArn: running.taskDefinition, previous: running.taskDefinition, alreadyRunning: true };
  }
  say(ctx, `registering a new revision of ${input.family} (from ${revisionName(running.taskDefinition)})`);
  // Registering changes AWS (a new revision): a Ctrl-C that came in while we read stops it here.
  ctx.signal?.throwIfAborted();
  const arn = await ctx.ecs.registerTaskDefinition(input);
  return rollServiceTo(ctx, target, arn, running.taskDefinition);
}

/** UpdateService to `taskDefinitionArn` (nothing else), then the rollout followed to its end. */
export async function rollServiceTo(ctx: SwapContext, target: ServiceTarget, taskDefinitionArn: string, previous: string): Promise<SwapOutcome> {
  say(ctx, `updating service ${target.service} to ${revisionName(taskDefinitionArn)}`);
  // Moving the service replaces its tasks: the last point at which a Ctrl-C leaves it as it was.
  ctx.signal?.throwIfAborted();
  const deployment = await ctx.ecs.updateService(target.cluster, target.service, taskDefinitionArn);
  return followDeployment(ctx, target, deployment.id, taskDefinitionArn, previous);
}

/** The service's deployment of `taskDefinitionArn` followed until ECS says it COMPLETED, failed, or --rollout-timeout passed. */
async function followDeployment(ctx: SwapContext, target: ServiceTarget, deploymentId: string, taskDefinitionArn: string, previous: string): Promise<SwapOutcome> {
  ctx.emit({ type: "node-progress", node: ctx.node, at: ctx.clock.now(), status: "HOTSWAP_IN_PROGRESS", current: `rolling out ${revisionName(taskDefinitionArn)}` });
  const outcome = await ctx.follow({
    ecs: ctx.ecs,
    elb: ctx.elb,
    cluster: target.cluster,
    service: target.service,
    deploymentId,
    timeoutMs: ctx.timeoutMs,
    clock: ctx.clock,
    signal: ctx.signal,
    logsCommand: ctx.logsCommand,
    // The same rollout event the live view and the CI lines show while CloudFormation updates the service.
    onProgress: (s) => {
      const at = ctx.clock.now();
      ctx.emit({ type: "node-service", node: ctx.node, at, running: s.running, desired: s.desired, pending: s.pending, rolloutState: s.rolloutState, rolloutSince: at - s.elapsedMs });
      for (const text of s.newEvents) say(ctx, `service event: ${text}`);
    },
  });
  if (outcome.status === "completed") return { ok: true, taskDefinitionArn, previous };
  const message =
    outcome.status === "failed"
      ? `ECS rollout of ${revisionName(taskDefinitionArn)} — ${outcome.reason}`
      : `the ECS rollout to ${revisionName(taskDefinitionArn)} did not complete within ${elapsed(outcome.afterMs)} (--rollout-timeout); ECS carries on with it`;
  return { ok: false, message, evidence: outcome.evidence };
}

/** `alert-engine-backend-dev:7` from its ARN. */
export const revisionName = (arn: string): string => arn.split("/").pop() ?? arn;

function say(ctx: SwapContext, text: string): void {
  ctx.emit({ type: "node-message", node: ctx.node, at: ctx.clock.now(), text });
}
