/** Words for results and events, shared by every renderer so they all say the same thing. */
import type { NodeId } from "../orchestrator/graph.js";
import type { NodeResult } from "../orchestrator/results.js";

export const seconds = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s` : `${(ms / 1000).toFixed(1)}s`);

export function describeResult(result: NodeResult): string {
  switch (result.kind) {
    case "deployed":
      return `${result.action === "create" ? "created" : "updated"} in ${seconds(result.durationMs)}`;
    case "unchanged":
      return `no changes (${seconds(result.durationMs)})`;
    case "failed": {
      const cause = result.rootCause ? ` — ${result.rootCause.logicalId} (${result.rootCause.resourceType}): ${result.rootCause.reason}` : "";
      return `FAILED: ${result.message}${cause}`;
    }
    case "skipped":
      return `skipped: ${result.message}`;
    case "needs-recovery":
      return `NEEDS RECOVERY: ${result.message}\n    next step: ${result.recovery}`;
    case "interrupted":
      return `interrupted: ${result.message}`;
  }
}

export function progressLine(node: NodeId, status: string, done?: number, total?: number, current?: string): string {
  const count = done !== undefined && total ? `  ${done}/${total}` : "";
  return `${node.padEnd(11)} ${status}${count}${current ? `  ${current}` : ""}`;
}
