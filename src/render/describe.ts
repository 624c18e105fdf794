/** Words for results and events, shared by every renderer so they all say the same thing. */
import { elapsed } from "../duration.js";
import type { EngineEvent } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import type { NodeResult, RootCause } from "../orchestrator/results.js";

/** `8.8s`, then as `elapsed` (`1m09s`, `1h05m`): a stack's duration, tenths shown while they still matter. */
export const duration = (ms: number): string => (ms < 60_000 ? `${(Math.floor(ms / 100) / 10).toFixed(1)}s` : elapsed(ms));

/** ` — Resource (AWS::Type): reason`, appended to a failure; empty without a root cause. */
export const causeText = (rootCause: RootCause | undefined): string =>
  rootCause ? ` — ${rootCause.logicalId} (${rootCause.resourceType}): ${rootCause.reason}` : "";

/**
 * A node's end in one line, for the live view and the summary's table. A failure's cause, evidence and next
 * step are not here: the summary explains them once, in their own block (failure.ts).
 */
export function describeResult(result: NodeResult): string {
  switch (result.kind) {
    case "deployed":
      if (result.action === "hotswap") return `hotswapped  ${result.swapped ?? ""}  ${duration(result.durationMs)}`;
      return `${result.action === "create" ? "created" : "updated"} in ${duration(result.durationMs)}`;
    case "unchanged":
      return `no changes (${duration(result.durationMs)})`;
    case "failed":
      return `FAILED after ${duration(result.durationMs)}: ${result.message}`;
    case "skipped":
      return `skipped: ${result.message}`;
    case "needs-recovery":
      return `NEEDS RECOVERY (${result.status}): the next step is at the end`;
    case "interrupted":
      return `interrupted: ${result.message}`;
  }
}

export function progressLine(node: NodeId, status: string, done?: number, total?: number, current?: string): string {
  return `${node.padEnd(11)} ${progressState(status, done, total, current)}`;
}

/** `UPDATE_IN_PROGRESS  9/18  AWS::ECS::Service`: a node's state, without its name. */
function progressState(status: string, done?: number, total?: number, current?: string): string {
  const count = done !== undefined && total ? `  ${done}/${total}` : "";
  return `${status}${count}${current ? `  ${current}` : ""}`;
}

export type ProgressEvent = Extract<EngineEvent, { type: "node-progress" }>;

/** A progress event's state at `now`: a wait says how long it has lasted by then (`waiting 1m05s for CNAME …`). */
export function progressText(event: ProgressEvent, now: number): string {
  const current = event.waitingSince === undefined ? event.current : `waiting ${elapsed(Math.max(0, now - event.waitingSince))}${event.current ? ` ${event.current}` : ""}`;
  return progressState(event.status, event.done, event.total, current);
}
