/**
 * What the engine tells the outside world while it works. The engine only emits; one renderer
 * (listr2, plain lines or JSON) decides how a person or a machine sees it.
 */
import type { NodeId } from "./graph.js";
import type { NodeResult } from "./results.js";

export type EngineEvent =
  | { type: "node-started"; node: NodeId; at: number }
  /** A one-line state: `UPDATE_IN_PROGRESS  9/18  AWS::ECS::Service`. */
  | { type: "node-progress"; node: NodeId; at: number; status: string; done?: number; total?: number; current?: string }
  | { type: "resource-event"; node: NodeId; at: number; logicalId: string; resourceType: string; status: string; reason?: string }
  | { type: "node-message"; node: NodeId; at: number; text: string }
  | { type: "node-finished"; node: NodeId; at: number; result: NodeResult };

export type EventSink = (event: EngineEvent) => void;
