/**
 * What the live view shows, as plain data: per node its state and how long it has been running, and the
 * run's total. Kept apart from listr so the words and the ticking are the same whoever draws them.
 */
import { elapsed } from "../duration.js";
import type { EngineEvent } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import type { NodeResult } from "../orchestrator/results.js";
import { describeResult, progressText, type ProgressEvent } from "./describe.js";
import { describeServiceProgress, serviceProgressAt, type ServiceProgressEvent } from "./service-progress.js";

interface NodeState {
  startedAt?: number;
  /** The latest progress, kept as the event so a wait can be worded at any later moment. */
  state?: ProgressEvent | { text: string };
  /** The latest look at the ECS service the stack rolls out; shown in place of the resource count. */
  service?: ServiceProgressEvent;
  result?: NodeResult;
}

const NAME_WIDTH = 11;
const TIME_WIDTH = 6;

const line = (name: string, time: string, text: string) => `${name.padEnd(NAME_WIDTH)} ${time.padStart(TIME_WIDTH)}  ${text}`;

export class LiveState {
  private readonly nodes = new Map<NodeId, NodeState>();

  constructor(
    readonly order: readonly NodeId[],
    private readonly startedAt: number,
  ) {
    for (const node of order) this.nodes.set(node, {});
  }

  apply(event: EngineEvent): void {
    const node = this.nodes.get(event.node);
    if (!node) return;
    switch (event.type) {
      case "node-started":
        node.startedAt = event.at;
        return;
      case "node-progress":
        node.state = event;
        return;
      case "node-message":
        node.state = { text: event.text };
        return;
      case "node-service":
        // Not in place of a message: a stop cause said while deploying stays until CloudFormation moves on,
        // or the next look, 5 s later, would wipe it before a person could read it.
        node.service = event;
        return;
      case "node-finished":
        node.result = event.result;
        return;
      case "resource-event":
        return;
    }
  }

  result(node: NodeId): NodeResult | undefined {
    return this.nodes.get(node)?.result;
  }

  get finished(): boolean {
    return [...this.nodes.values()].every((n) => n.result);
  }

  /** A node's line at `now`: running ones tick; a finished one says what happened and how long it took. */
  title(node: NodeId, now: number): string {
    const state = this.nodes.get(node)!;
    if (state.result) return `${node.padEnd(NAME_WIDTH)} ${describeResult(state.result)}`;
    if (state.startedAt === undefined) return line(node, "", "waiting");
    return line(node, elapsed(now - state.startedAt), stateText(state, now));
  }

  total(now: number): string {
    const done = [...this.nodes.values()].filter((n) => n.result).length;
    return line("total", elapsed(now - this.startedAt), `${done}/${this.nodes.size} done`);
  }

  /** Every line, as a still picture (printed when the view pauses). */
  snapshot(now: number): string[] {
    return [...this.order.map((node) => this.title(node, now)), this.total(now)];
  }
}

/** A running node's state: a message as said; else the stack's state, with the rollout in place of the resource count. */
function stateText(state: NodeState, now: number): string {
  if (state.state && "text" in state.state) return state.state.text;
  const service = state.service && describeServiceProgress(serviceProgressAt(state.service, now));
  if (!state.state) return service ?? "starting";
  return service ? `${state.state.status}  ${service}` : progressText(state.state, now);
}
