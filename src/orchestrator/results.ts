/** What happened to each node, as data; the CLI decides how to show it and which exit code follows. */
import type { NodeId } from "./graph.js";

export interface RootCause {
  readonly stack: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly reason: string;
}

export type NodeResult =
  | { kind: "deployed"; action: "create" | "update"; outputs: Record<string, string>; durationMs: number; notes?: string[] }
  | { kind: "unchanged"; outputs: Record<string, string>; durationMs: number; notes?: string[] }
  /** `refused`: the engine declined before CloudFormation ran anything, so there is no operation to diagnose. */
  /** `evidence`: what the diagnosis found outside CloudFormation (ECS stop reasons, target health), one finding a line. */
  | { kind: "failed"; status?: string; rootCause?: RootCause; message: string; durationMs: number; refused?: boolean; evidence?: string[] }
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
