/**
 * In express mode CloudFormation completes a stack once its resources are configured: the ECS service may still be
 * starting its tasks and the load balancer may have no healthy target. The stack finishing early is not the deploy
 * finishing: the backend is ready only once its service's rollout has COMPLETED with its targets healthy, and the
 * domain only once its API records are in the zone. The certificate needs no look here: the backend consumes its ARN,
 * so the certificate node has already waited for ISSUED. Every wait is bounded; a service that never becomes ready
 * is a failure with its cause (stopped tasks' exit codes and reasons, target health).
 */
import type { AwsClients } from "../../aws/clients.js";
import { EcsApi } from "../../aws/ecs.js";
import { LoadBalancerApi } from "../../aws/elbv2.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { Route53Api } from "../../aws/route53.js";
import { elapsed } from "../../duration.js";
import { apiDomain, clusterName, serviceName, stackName, type Environment, type StackId } from "../../env/model.js";
import { sleepUnlessAborted, type Clock } from "../clock.js";
import type { EventSink } from "../events.js";
import type { RootCause } from "../results.js";
import { followRollout } from "../rollout.js";

/** How long an express deploy waits for the service to be ready: --rollout-timeout's default (the CLI passes the flag). */
export const READINESS_TIMEOUT_MS = 10 * 60_000;
/** How often the API records are looked for in the zone while they are missing. */
const DNS_POLL_MS = 2_000;

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
    if (node === "domain") return recordsInZone(deps, signal);
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

/** The API's A and AAAA alias records, read back from Route 53 (CloudFormation names no change to ask GetChange about). */
async function recordsInZone(deps: ReadinessDeps, signal?: AbortSignal): Promise<Readiness> {
  const { env, clock } = deps;
  const dns = new Route53Api(deps.clients.route53, deps.retry);
  const name = apiDomain(env);
  const started = clock.now();
  for (;;) {
    const found = await Promise.all((["A", "AAAA"] as const).map((type) => dns.findAlias(deps.hostedZoneId, name, type)));
    if (found.every(Boolean)) return { ready: true, notes: [`${name} A/AAAA in zone ${deps.hostedZoneId}, alias to ${found[0]!.dnsName}`] };
    const waited = clock.now() - started;
    if (waited >= deps.timeoutMs) {
      const missing = (["A", "AAAA"] as const).filter((_, i) => !found[i]);
      const reason = `Route 53 has no ${missing.join(" or ")} alias record for ${name} in zone ${deps.hostedZoneId} after ${elapsed(waited)}`;
      return { ready: false, message: `the stack completed in express mode, but ${reason}`, rootCause: { stack: stackName(env, "domain"), logicalId: "ApiRecordA", resourceType: "AWS::Route53::RecordSet", reason }, evidence: [] };
    }
    deps.emit({ type: "node-progress", node: "domain", at: clock.now(), status: "waiting for the API records", current: `in zone ${deps.hostedZoneId}`, waitingSince: started });
    await sleepUnlessAborted(clock, Math.min(DNS_POLL_MS, deps.timeoutMs - waited), signal);
  }
}
