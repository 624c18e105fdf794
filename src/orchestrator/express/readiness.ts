/**
 * In express mode CloudFormation completes a stack once its resources are configured: the ECS service may still be
 * starting its tasks and the load balancer may have no healthy target. The stack finishing early is not the deploy
 * finishing: the backend is ready only once its service's rollout has COMPLETED with its targets healthy, and the
 * domain only once Route 53 serves its API records (records-served.ts). The certificate needs no look here: the backend consumes its ARN,
 * so the certificate node has already waited for ISSUED. Every wait is bounded; a service that never becomes ready
 * is a failure with its cause (stopped tasks' exit codes and reasons, target health).
 */
import type { AwsClients } from "../../aws/clients.js";
import { EcsApi } from "../../aws/ecs.js";
import { LoadBalancerApi } from "../../aws/elbv2.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { elapsed } from "../../duration.js";
import { clusterName, serviceName, stackName, type Environment, type StackId } from "../../env/model.js";
import type { Clock } from "../clock.js";
import type { EventSink } from "../events.js";
import type { RootCause } from "../results.js";
import { followRollout } from "../rollout.js";
import { apiRecordsServed } from "./records-served.js";

/** How long an express deploy waits for the service to be ready: --rollout-timeout's default (the CLI passes the flag). */
export const READINESS_TIMEOUT_MS = 10 * 60_000;

export interface ReadinessDeps {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly emit: EventSink;
  readonly hostedZoneId: string;
  /** Upper bound of each node's wait for readiness. */
  readonly timeoutMs: number;
  /** The command that shows the service's logs, as the user can paste it (`orchestrate logs <env>`). */
  readonly logsCommand: string;
}

export type Readiness = { ready: true; notes: string[] } | { ready: false; message: string; rootCause: RootCause; evidence: string[] };

/** Per stack, the wait for what it made to be ready; undefined for stacks with nothing to wait for. */
export function readinessOf(deps: ReadinessDeps): (node: StackId, outputs: Record<string, string>, signal?: AbortSignal) => Promise<Readiness> | undefined {
  return (node, outputs, signal) => {
    if (node === "backend") return serviceReady(deps, outputs, signal);
    if (node === "domain") return apiRecordsServed(deps, signal);
    return undefined;
  };
}

async function serviceReady(deps: ReadinessDeps, outputs: Record<string, string>, signal?: AbortSignal): Promise<Readiness> {
  const { env, clock } = deps;
  const cluster = clusterName(env);
  const service = outputs.ServiceName ?? serviceName(env);
  const started = clock.now();
  const ecs = new EcsApi(deps.clients.ecs, deps.retry);
  const notReady = (reason: string, evidence: string[]): Readiness => ({
    ready: false,
    message: `the stack completed in express mode, but its service never became ready (${reason})`,
    rootCause: { stack: stackName(env, "backend"), logicalId: "Service", resourceType: "AWS::ECS::Service", reason: `not ready: ${reason}` },
    evidence,
  });
  const details = await ecs.serviceDetails(cluster, service);
  const primary = details?.deployments.find((d) => d.status === "PRIMARY") ?? details?.deployments[0];
  if (!details || !primary) return notReady(`ECS has no service ${service} with a deployment in cluster ${cluster}`, []);
  const rolloutSince = primary.createdAt?.getTime() ?? started;
  deps.emit({ type: "node-progress", node: "backend", at: clock.now(), status: "stack complete (express), waiting for the service to be ready" });
  const outcome = await followRollout({
    ecs,
    elb: new LoadBalancerApi(deps.clients.elbv2, deps.retry),
    cluster,
    service,
    deploymentId: primary.id,
    timeoutMs: deps.timeoutMs,
    clock,
    signal,
    logsCommand: deps.logsCommand,
    // In the backend's line, as the rollout is shown while CloudFormation deploys (node-service): counts, state, its time.
    onProgress: (s) => {
      for (const text of s.newEvents) deps.emit({ type: "node-message", node: "backend", at: clock.now(), text: `service: ${text}` });
      deps.emit({ type: "node-service", node: "backend", at: clock.now(), running: s.running, desired: s.desired, pending: s.pending, rolloutState: s.rolloutState, rolloutSince });
    },
  });
  if (outcome.status === "failed") return notReady(outcome.reason, outcome.evidence);
  if (outcome.status === "timed-out") return notReady(`its rollout did not complete within ${elapsed(outcome.afterMs)} (--rollout-timeout)`, outcome.evidence);
  const { deployment } = outcome;
  return { ready: true, notes: [`ready after ${elapsed(clock.now() - started)}: service ${service} rollout COMPLETED, ${deployment.running}/${deployment.desired} running, targets healthy`] };
}
