/**
 * What the engine tells the outside world while it works. The engine only emits; one renderer
 * (listr2, plain lines or JSON) decides how a person or a machine sees it.
 */
import type { NodeId } from "./graph.js";
import type { NodeResult } from "./results.js";

export type EngineEvent =
  | { type: "node-started"; node: NodeId; at: number }
  /** A one-line state: `UPDATE_IN_PROGRESS  9/18  AWS::ECS::Service`. */
  /**
   * `waitingSince`: the state is a wait that began then (the certificate's validation); renderers say how long
   * it has lasted, a live view ticking every second, rather than a figure frozen at the last poll.
   */
  | { type: "node-progress"; node: NodeId; at: number; status: string; done?: number; total?: number; current?: string; waitingSince?: number }
  | { type: "resource-event"; node: NodeId; at: number; logicalId: string; resourceType: string; status: string; reason?: string }
  | { type: "node-message"; node: NodeId; at: number; text: string }
  /**
   * One look at the ECS service a stack is rolling out: its newest PRIMARY deployment's tasks and rolloutState.
   * `rolloutSince`: when the engine first saw that deployment (this machine's clock, so renderers can tick it).
   */
  | { type: "node-service"; node: NodeId; at: number; running: number; desired: number; pending: number; rolloutState: string; rolloutSince: number }
  | { type: "node-finished"; node: NodeId; at: number; result: NodeResult };

export type EventSink = (event: EngineEvent) => void;
