/**
 * The live task tree for a terminal: one listr2 task per node, its title the stack's current state.
 * Listr only draws; the engine runs on its own and this subscribes to its events.
 */
import { Listr, type ListrTaskWrapper } from "listr2";
import type { EngineEvent, EventSink } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import type { NodeResult } from "../orchestrator/results.js";
import { describeResult, progressLine } from "./describe.js";

interface NodeView {
  title: string;
  result?: NodeResult;
  listeners: Set<() => void>;
}

export interface LiveRenderer {
  readonly sink: EventSink;
  /** Resolves when every node has finished and the tree has been drawn for the last time. */
  readonly done: Promise<void>;
}

export function listrRenderer(nodes: readonly NodeId[]): LiveRenderer {
  const views = new Map<NodeId, NodeView>(nodes.map((n) => [n, { title: progressLine(n, "waiting"), listeners: new Set() }]));
  const update = (node: NodeId, change: (view: NodeView) => void) => {
    const view = views.get(node);
    if (!view) return;
    change(view);
    for (const listener of view.listeners) listener();
  };

  const sink = (event: EngineEvent) => {
    switch (event.type) {
      case "node-started":
        return update(event.node, (v) => (v.title = progressLine(event.node, "starting")));
      case "node-progress":
        return update(event.node, (v) => (v.title = progressLine(event.node, event.status, event.done, event.total, event.current)));
      case "node-message":
        return update(event.node, (v) => (v.title = progressLine(event.node, event.text)));
      case "node-finished":
        return update(event.node, (v) => (v.result = event.result));
      case "resource-event":
        return;
    }
  };

  const follow = (node: NodeId, task: ListrTaskWrapper<unknown, never, never>) =>
    new Promise<void>((resolve, reject) => {
      const view = views.get(node)!;
      const refresh = () => {
        task.title = view.title;
        const result = view.result;
        if (!result) return;
        view.listeners.delete(refresh);
        const failed = result.kind === "failed" || result.kind === "needs-recovery" || result.kind === "interrupted";
        // A failure's detail is shown once, under the title, by listr itself.
        task.title = progressLine(node, failed ? result.kind.toUpperCase() : describeResult(result));
        if (result.kind === "skipped") task.skip(progressLine(node, describeResult(result)));
        if (failed) reject(new Error(describeResult(result)));
        else resolve();
      };
      view.listeners.add(refresh);
      refresh();
    });

  const listr = new Listr(
    nodes.map((node) => ({ title: views.get(node)!.title, task: (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => follow(node, task) })),
    { concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } } as never,
  );
  return { sink, done: listr.run().then(() => undefined, () => undefined) };
}
