/** What happened to each node, as data; the CLI decides how to show it and which exit code follows. */
import type { NodeId } from "./graph.js";

export interface RootCause {
  readonly stack: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly reason: string;
}

export type NodeResult =
  /** `hotswap`: CloudFormation was skipped, the service was moved to a new task definition revision; `swapped` says what changed. */
  | { kind: "deployed"; action: "create" | "update" | "hotswap"; outputs: Record<string, string>; durationMs: number; notes?: string[]; swapped?: string }
  | { kind: "unchanged"; outputs: Record<string, string>; durationMs: number; notes?: string[] }
  /** `refused`: the engine declined before CloudFormation ran anything, so there is no operation to diagnose. */
  /** `evidence`: what the diagnosis found outside CloudFormation (ECS stop reasons, target health), one finding a line. */
  /** `containersAtFault`: the service's containers failed (a hotswap's rollout): their logs are the next thing to read. */
  | { kind: "failed"; status?: string; rootCause?: RootCause; message: string; durationMs: number; refused?: boolean; evidence?: string[]; containersAtFault?: boolean }
  /** Left alone because something it needs did not finish. */
  | { kind: "skipped"; because: NodeId[]; message: string }
  /** A state only a person can resolve; `recovery` is the exact next step. */
  | { kind: "needs-recovery"; status: string; message: string; recovery: string }
  | { kind: "interrupted"; status?: string; message: string };

export const succeeded = (r: NodeResult): r is Extract<NodeResult, { kind: "deployed" | "unchanged" }> =>
  r.kind === "deployed" || r.kind === "unchanged";

export function outputsOf(result: NodeResult | undefined): Record<string, string> | undefined {
  return result && succeeded(result) ? result.outputs : undefined;
}
