/**
 * `deploy <env>`: the environment's stack graph, run against AWS. Each stack receives its inputs
 * from the producers' outputs as CloudFormation reports them, so a partial deploy works too.
 */
import type { CloudFormationApi } from "../../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../../env/model.js";
import { STACKS, stackDefinition } from "../../templates/index.js";
import { stackTags, synthesize } from "../../templates/stack.js";
import type { ApprovalLevel } from "../review/approval.js";
import { sleepUnlessAborted } from "../clock.js";
import type { ChangeSetReview, ReviewedChangeSets, StackDeployContext } from "./deploy-context.js";
import { deployStack } from "./deploy-stack.js";
import { buildGraph, subgraph, type NodeId } from "../graph.js";
import type { ProtectionLowering } from "../protection.js";
import { resolveInputs, type InputSources } from "../inputs.js";
import { outputsOf, type NodeResult } from "../results.js";
import type { WatchContext } from "../watch.js";
import { runGraph } from "../work-graph.js";
import { serviceProgressWatch, type ServiceLook } from "./service-progress-watch.js";
import type { Readiness } from "../express/readiness.js";

/** Runs the certificate node: finds or requests the certificate and waits until it is issued. */
export type CertificateRunner = (signal?: AbortSignal) => Promise<NodeResult>;

/** What following stacks needs (CloudFormation, clock, polling, events, Ctrl-C), plus the environment. */
export interface DeployRequest extends WatchContext {
  readonly env: Environment;
  /** Values preflight looked up: HostedZoneId, ImageUri. */
  readonly context: Readonly<Record<string, string>>;
  readonly certificate: CertificateRunner;
  /** Restrict the run to these nodes; the others' outputs are read from AWS. */
  readonly only?: readonly NodeId[];
  readonly concurrency?: number;
  readonly approval: ApprovalLevel;
  readonly approve: (review: ChangeSetReview) => Promise<boolean>;
  readonly continueRollback?: boolean;
  /** `--revert-drift`: drift-aware change sets that also undo changes made outside CloudFormation. */
  readonly revertDrift?: boolean;
  /** `--express`: CloudFormation's express mode; stacks complete once configured and rollback is disabled. */
  readonly express?: boolean;
  readonly stageTemplate?: (stackName: string, body: string) => Promise<string>;
  /** `--changeset NAME`: execute reviewed change sets instead of creating new ones. */
  readonly reviewed?: ReviewedChangeSets;
  /** Per stack, what its deploy lowers (protection-guard.ts): approval treats it as a concern. */
  readonly lowerings?: ReadonlyMap<NodeId, readonly ProtectionLowering[]>;
  /** Steps CloudFormation cannot do, run once a stack has succeeded (e.g. restrict the default security group). */
  readonly afterStack?: (node: StackId, outputs: Record<string, string>, signal?: AbortSignal) => Promise<string[]>;
  /** A look at a stack's workload while it deploys (ECS tasks stopping), for nodes it watches; new findings are shown. */
  readonly watchWhileDeploying?: (node: StackId) => (() => Promise<string[]>) | undefined;
  /** A look at the ECS service a stack rolls out (one DescribeServices), for nodes that have one: shown in its line. */
  readonly serviceLook?: (node: StackId) => ServiceLook | undefined;
  /**
   * A stack run some other way than a change set (`deploy --hotswap`: the backend's service moved to a new task
   * definition), given its resolved parameters; undefined: deploy it through a change set as usual.
   */
  readonly runInstead?: (node: StackId, parameters: Record<string, string>) => Promise<NodeResult | undefined>;
  /**
   * `--express`: once a stack has succeeded, the wait until what it made is ready (the service's rollout, the API
   * records); a stack that never becomes ready fails with the cause. Undefined for stacks with nothing to wait for.
   */
  readonly readiness?: (node: StackId, outputs: Record<string, string>, signal?: AbortSignal) => Promise<Readiness> | undefined;
  /** Extra diagnosis for a failed stack (e.g. ECS stop reasons), added to its report. */
  readonly diagnose?: (node: StackId, result: NodeResult) => Promise<string[]>;
}

export interface DeployReport {
  readonly env: Environment;
  readonly results: Map<NodeId, NodeResult>;
  readonly interrupted: boolean;
  /** Change sets this run created, never executed, and removed on the way out. */
  readonly discardedChangeSets: string[];
}

export async function deploy(request: DeployRequest): Promise<DeployReport> {
  const { env } = request;
  const fullGraph = buildGraph(STACKS);
  const graph = request.only ? subgraph(fullGraph, request.only) : fullGraph;
  const pendingChangeSets = new Map<string, string>();
  const stackContext: StackDeployContext = {
    cfn: request.cfn,
    clock: request.clock,
    poll: request.poll,
    emit: request.emit,
    signal: request.signal,
    changeSetName: `orchestrate-${new Date(request.clock.now()).toISOString().replace(/[-:.]/g, "")}`,
    approval: request.approval,
    approve: request.approve,
    continueRollback: request.continueRollback ?? false,
    revertDrift: request.revertDrift,
    express: request.express,
    stageTemplate: request.stageTemplate,
    pendingChangeSets,
    reviewed: request.reviewed,
    lowerings: request.lowerings,
  };

  const inputSources: InputSources = {
    env,
    cfn: request.cfn,
    context: request.context,
    certificateOutputs: async () => outputsOf(await request.certificate(request.signal)),
  };

  const runNode = async (node: NodeId, results: ReadonlyMap<NodeId, NodeResult>): Promise<NodeResult> => {
    if (node === "certificate") return request.certificate(request.signal);
    const definition = stackDefinition(node);
    const parameters = await resolveInputs(inputSources, definition, results);
    if (typeof parameters === "string") return { kind: "failed", message: parameters, durationMs: 0 };
    const instead = await request.runInstead?.(node, parameters);
    if (instead) return withFollowUp(request, node, instead);
    const look = request.serviceLook?.(node);
    const rollout = look && serviceProgressWatch(request, node, look);
    const deploying = deployStack(rollout ? { ...stackContext, emit: rollout.emit } : stackContext, {
      node,
      name: stackName(env, node),
      template: synthesize(definition, env),
      parameters,
      tags: stackTags(env),
      terminationProtection: env.terminationProtection,
    });
    const result = await alongside(request, node, rollout ? rollout.until(deploying) : deploying);
    return withFollowUp(request, node, result);
  };

  const results = await runGraph(graph, runNode, {
    concurrency: request.concurrency,
    signal: request.signal,
    emit: request.emit,
    now: () => request.clock.now(),
  });

  const discarded = await discardPending(request.cfn, pendingChangeSets);
  // Report in graph order (certificate, network, …, domain), not in the order stacks happened to finish.
  const ordered = new Map(graph.nodes.filter((n) => results.has(n.id)).map((n) => [n.id, results.get(n.id)!]));
  return { env, results: ordered, interrupted: Boolean(request.signal?.aborted), discardedChangeSets: discarded };
}

/** Change sets this run made and never executed (Ctrl-C, a refusal): removed, and said so only when they really are. */
async function discardPending(cfn: CloudFormationApi, pending: ReadonlyMap<string, string>): Promise<string[]> {
  const said: string[] = [];
  for (const [stack, changeSet] of pending) {
    try {
      await cfn.deleteChangeSet(stack, changeSet);
      said.push(`${stack}: ${changeSet}`);
    } catch (error) {
      said.push(`${stack}: could not remove ${changeSet} (${(error as Error).message}); delete it by hand: aws cloudformation delete-change-set --stack-name ${stack} --change-set-name ${changeSet}`);
    }
  }
  return said;
}

const WATCH_EVERY_MS = 60_000;

/** Runs the node's watch (if any) every minute until the deploy settles, showing each new finding once. */
async function alongside(request: DeployRequest, node: StackId, deploying: Promise<NodeResult>): Promise<NodeResult> {
  const look = request.watchWhileDeploying?.(node);
  if (!look) return deploying;
  const done = new AbortController();
  const stop = request.signal ? AbortSignal.any([done.signal, request.signal]) : done.signal;
  const watching = (async () => {
    await look().catch(() => []);
    for (;;) {
      try {
        await sleepUnlessAborted(request.clock, WATCH_EVERY_MS, stop);
      } catch {
        return;
      }
      for (const text of await look().catch(() => [])) request.emit({ type: "node-message", node, at: request.clock.now(), text: `while deploying: ${text}` });
    }
  })();
  try {
    return await deploying;
  } finally {
    done.abort();
    await watching;
  }
}

/** Express mode completed the stack before its service was ready: a Ctrl-C now cuts short only our wait, not the stack. */
const READINESS_INTERRUPTED = "the stack is complete (express mode); interrupted while waiting for its service to be ready, which ECS carries on with";

async function awaitReadiness(request: DeployRequest, node: StackId, outputs: Record<string, string>) {
  try {
    return await request.readiness?.(node, outputs, request.signal);
  } catch (error) {
    if (request.signal?.aborted) return "interrupted" as const;
    throw error;
  }
}

/** Post-stack steps on success, diagnosis on failure; both report in the stack's own notes. */
async function withFollowUp(request: DeployRequest, node: StackId, result: NodeResult): Promise<NodeResult> {
  if ((result.kind === "deployed" || result.kind === "unchanged") && (request.afterStack || request.readiness)) {
    const notes = (await request.afterStack?.(node, result.outputs, request.signal)) ?? [];
    const ready = await awaitReadiness(request, node, result.outputs);
    if (ready === "interrupted") return { kind: "interrupted", message: READINESS_INTERRUPTED };
    if (ready && !ready.ready) return { kind: "failed", status: "NOT_READY", rootCause: ready.rootCause, message: ready.message, durationMs: result.durationMs, evidence: ready.evidence };
    return { ...result, notes: [...(result.notes ?? []), ...notes, ...(ready?.notes ?? [])] };
  }
  // A refusal ran nothing in CloudFormation: an ECS "diagnosis" would explain an operation that never happened.
  // A result that brings its own evidence (a hotswap's rollout) is explained by it already.
  if (result.kind === "failed" && !result.refused && !result.evidence && request.diagnose) {
    const findings = await request.diagnose(node, result).catch((error: Error) => [`diagnosis failed: ${error.message}`]);
    if (findings.length > 0) return { ...result, evidence: findings };
  }
  return result;
}
