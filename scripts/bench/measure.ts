/**
 * Reading figures out of the fake cloud after a run: each stack's own operation as CloudFormation
 * recorded it, the graph's critical path, the calls made about one stack, and how late events showed.
 */
import { stackName, type Environment } from "../../src/env/model.js";
import type { EngineEvent } from "../../src/orchestrator/events.js";
import { buildGraph, type NodeId } from "../../src/orchestrator/graph.js";
import { STACKS } from "../../src/templates/index.js";
import type { CallRecord, FakeCloud, StackView } from "../../test/support/fake-cloud.js";

export interface Span {
  readonly start: number;
  readonly end: number;
}

const STARTS = new Set(["CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"]);

/** The stack's last operation: from its own *_IN_PROGRESS event to the terminal event that follows. */
export function lastOperation(stack: StackView): Span | undefined {
  const own = stack.events.filter((e) => e.logicalId === stack.name && e.type === "AWS::CloudFormation::Stack");
  let begin = own.length - 1;
  while (begin >= 0 && !STARTS.has(own[begin]!.status)) begin -= 1;
  if (begin < 0) return undefined;
  const end = own.slice(begin).find((e) => !e.status.endsWith("_IN_PROGRESS"));
  return end ? { start: own[begin]!.at, end: end.at } : undefined;
}

/** What CloudFormation and ACM themselves took, per node: the weights of the ideal. */
export function nodeDurations(cloud: FakeCloud, env: Environment, since: number): Map<NodeId, number> {
  const durations = new Map<NodeId, number>();
  for (const definition of STACKS) {
    const view = cloud.stack(stackName(env, definition.id));
    const span = view ? lastOperation(view) : undefined;
    durations.set(definition.id, span && span.start >= since ? span.end - span.start : 0);
  }
  const issued = cloud.services.acm.certificates.filter((c) => c.requestedAt >= since && c.issuedAt !== undefined);
  durations.set("certificate", Math.max(0, ...issued.map((c) => c.issuedAt! - c.requestedAt)));
  return durations;
}

/** The longest chain of node durations through the stack graph, and the chain itself. */
export function criticalPath(durations: ReadonlyMap<NodeId, number>): { ms: number; chain: NodeId[] } {
  const graph = buildGraph(STACKS);
  const memo = new Map<NodeId, { ms: number; chain: NodeId[] }>();
  const finish = (id: NodeId): { ms: number; chain: NodeId[] } => {
    const known = memo.get(id);
    if (known) return known;
    const node = graph.nodes.find((n) => n.id === id)!;
    const before = node.dependsOn.map(finish).reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, chain: [] as NodeId[] });
    const result = { ms: before.ms + (durations.get(id) ?? 0), chain: [...before.chain, id] };
    memo.set(id, result);
    return result;
  };
  return graph.nodes.map((n) => finish(n.id)).reduce((a, b) => (b.ms > a.ms ? b : a));
}

const stackOf = (call: CallRecord) => (call.input as { StackName?: string } | undefined)?.StackName;

/** Calls about one stack (by name or ARN), optionally of some commands and within a window. */
export function callsAbout(cloud: FakeCloud, stack: StackView, options: { commands?: string[]; within?: Span } = {}): CallRecord[] {
  return cloud.calls.filter((c) => {
    const target = stackOf(c);
    if (target !== stack.name && target !== stack.id) return false;
    if (options.commands && !options.commands.includes(c.command)) return false;
    return !options.within || (c.at >= options.within.start && c.at <= options.within.end);
  });
}

/**
 * For each resource event the engine reported, how long after CloudFormation recorded it. Events
 * are matched in order on (logical id, status), which is unique enough within one operation.
 */
export function eventLags(events: readonly EngineEvent[], node: NodeId, stack: StackView, since: number): number[] {
  const pending = new Map<string, number[]>();
  for (const e of stack.events) {
    if (e.at < since) continue;
    const key = `${e.logicalId}|${e.status}`;
    pending.set(key, [...(pending.get(key) ?? []), e.at]);
  }
  const lags: number[] = [];
  for (const e of events) {
    if (e.type !== "resource-event" || e.node !== node || e.at < since) continue;
    const recorded = pending.get(`${e.logicalId}|${e.status}`)?.shift();
    if (recorded !== undefined) lags.push(e.at - recorded);
  }
  return lags;
}
