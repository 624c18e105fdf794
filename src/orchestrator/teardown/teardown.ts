/**
 * `teardown <env>`: the stack graph run backwards. A stack goes only after everything that consumes
 * it has gone; independent stacks go in parallel; a failed deletion stops what it depends on. A
 * rerun finishes what an interrupted or failed run left: missing stacks are skipped, deletions in
 * progress are followed to their end.
 */
import type { Environment } from "../../env/model.js";
import { STACKS } from "../../templates/index.js";
import { buildGraph, reversed, type NodeId } from "../graph.js";
import type { NodeResult } from "../results.js";
import type { RetainedResource } from "./teardown-plan.js";
import { stackNode, type StackTeardownRequest, type TeardownOutcome } from "./teardown-stack.js";
import { runGraph } from "../work-graph.js";

export type { TeardownOutcome } from "./teardown-stack.js";

/** What each stack's teardown needs, plus the certificate, the repository and how many stacks at once. */
export interface TeardownRequest extends StackTeardownRequest {
  readonly concurrency?: number;
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
  const repository = !request.removeRepository
    ? undefined
    : request.signal?.aborted
      ? "not deleted: interrupted before it started"
      : backendGone
        ? await request.removeRepository()
        : undefined;
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
  // A node already running when Ctrl-C came (it runs beside network, storage and auth) starts no deletion.
  if (request.signal?.aborted) return { kind: "interrupted", message: "stopped by Ctrl-C", done: [], notDone: ["DeleteCertificate and its validation record"] };
  const started = request.clock.now();
  const notes = await request.removeCertificate();
  for (const text of notes ?? []) request.emit({ type: "node-message", node: "certificate", at: request.clock.now(), text });
  // removeCertificate starts no deletion after Ctrl-C and returns what it had done by then.
  if (request.signal?.aborted) return { kind: "interrupted", message: "stopped by Ctrl-C", done: notes ?? [], notDone: ["deleting the rest of the certificate and its validation record"] };
  return notes ? { kind: "deleted", durationMs: request.clock.now() - started, notes } : { kind: "absent" };
}
