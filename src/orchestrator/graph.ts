/**
 * The stack graph, derived from what each stack declares it consumes. Nothing here is a
 * hand-kept order: deploy order, parallelism and teardown order all come from `inputs`.
 */
import type { StackId } from "../env/model.js";
import type { ProducerId, StackDefinition } from "../templates/stack.js";

/** A unit of work: a stack, or the certificate the orchestrator requests itself. */
export type NodeId = StackId | "certificate";

export interface GraphNode {
  readonly id: NodeId;
  /** Nodes that must finish before this one starts. */
  readonly dependsOn: readonly NodeId[];
}

export interface StackGraph {
  readonly nodes: readonly GraphNode[];
}

/** `context` values are looked up by preflight before the graph runs, so they are not nodes. */
const isNode = (producer: ProducerId): producer is NodeId => producer !== "context";

export function buildGraph(stacks: readonly StackDefinition[]): StackGraph {
  const nodes: GraphNode[] = [];
  const known = new Set<NodeId>(stacks.map((s) => s.id));
  for (const stack of stacks) {
    const dependsOn = [...new Set(Object.values(stack.inputs).map((i) => i.from).filter(isNode))];
    for (const dep of dependsOn) {
      if (dep === "certificate") known.add(dep);
      else if (!known.has(dep)) throw new Error(`Stack ${stack.id} consumes from ${dep}, which is not a stack of this environment`);
    }
    nodes.push({ id: stack.id, dependsOn });
  }
  if (known.has("certificate")) nodes.unshift({ id: "certificate", dependsOn: [] });
  const graph = { nodes };
  layers(graph); // throws on a cycle
  return graph;
}

/** Groups of nodes that can run together, each group after all earlier ones. */
export function layers(graph: StackGraph): NodeId[][] {
  const done = new Set<NodeId>();
  const result: NodeId[][] = [];
  let remaining = [...graph.nodes];
  while (remaining.length > 0) {
    const ready = remaining.filter((n) => n.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw new Error(`Cycle among stacks: ${remaining.map((n) => n.id).join(", ")}`);
    result.push(ready.map((n) => n.id));
    for (const n of ready) done.add(n.id);
    remaining = remaining.filter((n) => !done.has(n.id));
  }
  return result;
}

/** The same graph with every edge turned around: what must go before a node is torn down. */
export function reversed(graph: StackGraph): StackGraph {
  return {
    nodes: graph.nodes.map((node) => ({
      id: node.id,
      dependsOn: graph.nodes.filter((other) => other.dependsOn.includes(node.id)).map((other) => other.id),
    })),
  };
}

/** Every node that transitively depends on `id`. */
export function downstreamOf(graph: StackGraph, id: NodeId): NodeId[] {
  const found = new Set<NodeId>();
  const visit = (target: NodeId) => {
    for (const node of graph.nodes) {
      if (node.dependsOn.includes(target) && !found.has(node.id)) {
        found.add(node.id);
        visit(node.id);
      }
    }
  };
  visit(id);
  return [...found];
}

/** The graph restricted to `keep`; edges to dropped nodes disappear (their values are read from AWS instead). */
export function subgraph(graph: StackGraph, keep: readonly NodeId[]): StackGraph {
  const wanted = new Set(keep);
  return {
    nodes: graph.nodes.filter((n) => wanted.has(n.id)).map((n) => ({ id: n.id, dependsOn: n.dependsOn.filter((d) => wanted.has(d)) })),
  };
}
