/**
 * Runs a graph of nodes: a node becomes ready when everything it depends on has succeeded,
 * at most `concurrency` run at once, and a node whose dependency did not succeed is skipped
 * (with the reason) while independent branches carry on.
 */
import { errorText } from "../aws/error-text.js";
import type { EventSink } from "./events.js";
import type { NodeId, StackGraph } from "./graph.js";
import { succeeded, type NodeResult } from "./results.js";

export interface RunOptions {
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly emit: EventSink;
  readonly now: () => number;
}

export type NodeRunner = (node: NodeId, results: ReadonlyMap<NodeId, NodeResult>) => Promise<NodeResult>;

export async function runGraph(graph: StackGraph, run: NodeRunner, options: RunOptions): Promise<Map<NodeId, NodeResult>> {
  const results = new Map<NodeId, NodeResult>();
  const limit = options.concurrency && options.concurrency > 0 ? options.concurrency : Number.POSITIVE_INFINITY;
  const running = new Map<NodeId, Promise<void>>();

  const finish = (node: NodeId, result: NodeResult) => {
    results.set(node, result);
    options.emit({ type: "node-finished", node, at: options.now(), result });
  };

  const start = (node: NodeId) => {
    const startedAt = options.now();
    options.emit({ type: "node-started", node, at: startedAt });
    const task = run(node, results)
      .catch((error: unknown): NodeResult => {
        if (options.signal?.aborted) return { kind: "interrupted", message: "interrupted while running" };
        return { kind: "failed", message: errorText(error), durationMs: options.now() - startedAt };
      })
      .then((result) => {
        running.delete(node);
        finish(node, result);
      });
    running.set(node, task);
  };

  // One pass may skip a node that an earlier-listed node depends on, so passes repeat until nothing moves.
  const schedule = (): boolean => {
    let moved = false;
    for (const node of graph.nodes) {
      if (results.has(node.id) || running.has(node.id)) continue;
      const blockers = node.dependsOn.filter((dep) => results.has(dep) && !succeeded(results.get(dep)!));
      if (blockers.length > 0 || options.signal?.aborted) {
        finish(node.id, {
          kind: "skipped",
          because: blockers,
          message: options.signal?.aborted ? "not started: interrupted" : `not started: ${blockers.join(", ")} did not complete`,
        });
        moved = true;
      } else if (node.dependsOn.every((dep) => results.has(dep)) && running.size < limit) {
        start(node.id);
        moved = true;
      }
    }
    return moved;
  };

  for (;;) {
    while (schedule()) {}
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  return results;
}
