/**
 * Follows one ECS deployment until it is really done: the deployment is PRIMARY, its rolloutState COMPLETED and
 * its tasks all running. Not "the API call returned" (the CDK's hotswap reports success before the rollout ends,
 * aws-cdk#27882). A circuit breaker's FAILED, a rollback or a deployment that disappears is a failure, explained
 * by the stopped tasks' exit codes and reasons and the load balancer's unhealthy targets.
 *
 * ECS: "When a service deployment is started, it begins in an IN_PROGRESS state. When the service reaches a steady
 * state, the deployment transitions to a COMPLETED state. If the service fails to reach a steady state and circuit
 * breaker is turned on, the deployment transitions to a FAILED state." (API Reference, Deployment.rolloutState)
 */
import type { EcsApi, EcsDeployment, ServiceDetails } from "../aws/ecs.js";
import type { ElbApi } from "../aws/elbv2.js";
import { sleepUnlessAborted, type Clock } from "./clock.js";
import { healthReasons, isRoutineStop, stoppedReasons } from "./ecs-evidence.js";

export interface RolloutSnapshot {
  running: number;
  pending: number;
  desired: number;
  rolloutState: string;
  /** Service events that appeared since the last snapshot, oldest first; each is told once. */
  newEvents: string[];
  elapsedMs: number;
}

export type RolloutOutcome =
  | { status: "completed"; deployment: EcsDeployment }
  | { status: "failed"; reason: string; evidence: string[] }
  | { status: "timed-out"; afterMs: number; evidence: string[] };

/** DescribeServices is cheap and a rollout takes about a minute: a look every 2 s notices the end promptly. */
export const DEFAULT_ROLLOUT_POLL_MS = 2_000;

/** How many service events one look reads; a rollout writes a handful between two looks. */
const EVENTS_PER_LOOK = 50;

export interface FollowRolloutArgs {
  ecs: EcsApi;
  elb?: ElbApi;
  cluster: string;
  service: string;
  deploymentId: string;
  timeoutMs: number;
  pollMs?: number;
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (snapshot: RolloutSnapshot) => void;
  /** The command that shows the container's logs, named in the hint of a crash (e.g. from logs/command-hint.ts). */
  logsCommand?: string;
}

type Verdict = { status: "completed"; deployment: EcsDeployment } | { status: "failed"; reason: string } | { status: "rolling"; deployment: EcsDeployment };

/** Polls until the deployment completes, fails or `timeoutMs` passes; Ctrl-C (the signal) rejects with its reason. */
export async function followRollout(args: FollowRolloutArgs): Promise<RolloutOutcome> {
  const { ecs, cluster, service, deploymentId, timeoutMs, clock, signal } = args;
  const pollMs = args.pollMs ?? DEFAULT_ROLLOUT_POLL_MS;
  const start = clock.now();
  const events = new EventsOnce();
  for (;;) {
    signal?.throwIfAborted();
    const details = await ecs.serviceDetails(cluster, service, EVENTS_PER_LOOK);
    const verdict = judge(details, deploymentId);
    const elapsedMs = clock.now() - start;
    if (details && verdict.status !== "failed") {
      const d = verdict.deployment;
      args.onProgress?.({ running: d.running, pending: d.pending, desired: d.desired, rolloutState: d.rolloutState ?? "IN_PROGRESS", newEvents: events.since(details, d), elapsedMs });
    }
    if (verdict.status === "completed") return verdict;
    if (verdict.status === "failed") return { status: "failed", reason: verdict.reason, evidence: await evidence(args, details) };
    if (elapsedMs >= timeoutMs) {
      const d = verdict.deployment;
      const state = `deployment ${deploymentId}: ${d.running}/${d.desired} tasks running, ${d.pending} pending, ${d.failedTasks} failed, rollout ${d.rolloutState ?? "IN_PROGRESS"}`;
      return { status: "timed-out", afterMs: elapsedMs, evidence: [state, ...(await evidence(args, details))] };
    }
    await sleepUnlessAborted(clock, Math.min(pollMs, timeoutMs - elapsedMs), signal);
  }
}

/** Where the deployment stands, from one DescribeServices answer. */
function judge(details: ServiceDetails | undefined, deploymentId: string): Verdict {
  if (!details) return { status: "failed", reason: "the service no longer exists (or is INACTIVE)" };
  const deployment = details.deployments.find((d) => d.id === deploymentId);
  const primary = details.deployments.find((d) => d.status === "PRIMARY");
  if (!deployment) {
    return { status: "failed", reason: `deployment ${deploymentId} is gone from the service: replaced by ${primary ? `deployment ${primary.id} (${primary.taskDefinition})` : "another deployment"}` };
  }
  if (deployment.rolloutState === "FAILED") {
    const back = primary && primary.id !== deploymentId ? `; ECS is rolling back to ${primary.taskDefinition}` : "";
    return { status: "failed", reason: `the rollout failed: ${deployment.rolloutStateReason ?? "the deployment circuit breaker tripped"}${back}` };
  }
  if (deployment.status !== "PRIMARY") {
    return { status: "failed", reason: `deployment ${deploymentId} is no longer the service's primary: ${primary ? `${primary.taskDefinition} (deployment ${primary.id}) replaced it` : "it was replaced"}` };
  }
  // rolloutState is only returned for rolling-update services; without it, steady means this deployment alone, all running.
  const steady = deployment.rolloutState === undefined ? details.deployments.length === 1 : deployment.rolloutState === "COMPLETED";
  return steady && deployment.running === deployment.desired ? { status: "completed", deployment } : { status: "rolling", deployment };
}

/** Why tasks of this deployment stopped, and which targets the load balancer finds unhealthy. */
async function evidence(args: FollowRolloutArgs, details: ServiceDetails | undefined): Promise<string[]> {
  const stopped = await args.ecs.stoppedTasks(args.cluster, args.service, 100);
  const ours = stopped.filter((t) => !isRoutineStop(t) && (t.startedBy === undefined || t.startedBy === args.deploymentId));
  const groups = details?.targetGroupArns ?? [];
  const health = args.elb ? (await Promise.all(groups.map((arn) => args.elb!.targetHealth(arn)))).flat() : [];
  return [...stoppedReasons(ours, args.logsCommand ?? "orchestrate logs"), ...healthReasons(health.filter((t) => t.state === "unhealthy"))];
}

/**
 * Service events told once: the first look tells only those at or after the deployment's creation (both times are
 * ECS's, so this machine's clock does not matter), later looks whatever they have not seen.
 */
class EventsOnce {
  private readonly seen = new Set<string>();

  since(details: ServiceDetails, deployment: EcsDeployment): string[] {
    const from = deployment.createdAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    const fresh = details.events.filter((e) => !this.seen.has(keyOf(e)) && (e.at?.getTime() ?? from) >= from);
    for (const e of details.events) this.seen.add(keyOf(e));
    return fresh.reverse().map((e) => e.message);
  }
}

const keyOf = (e: { id?: string; at?: Date; message: string }) => e.id ?? `${e.at?.getTime() ?? ""} ${e.message}`;
