/**
 * `changeset --drift`: which changes would overwrite a resource someone changed outside CloudFormation.
 * Executing a change set writes the template's version of the properties it touches; the hand-made change
 * to such a resource is lost (or, for a deleted one, the update fails). Drift detection says which
 * resources differ; the change set says which ones it touches; this is where the two meet.
 */
import type { StackDriftApi } from "../../aws/cloudformation-drift.js";
import type { DeployedStack } from "../../aws/cloudformation.js";
import type { Clock } from "../clock.js";
import { detectStackDrift, type DriftState } from "../status.js";

export interface OverwrittenDrift {
  readonly logicalId: string;
  readonly resourceType: string;
  /** MODIFIED or DELETED, as drift detection found it. */
  readonly driftStatus: string;
}

export const driftLine = (d: OverwrittenDrift) =>
  `overwrites drift: ${d.logicalId} (${d.resourceType}) was ${d.driftStatus === "DELETED" ? "deleted" : "changed"} outside CloudFormation; this change replaces that with the template's version`;

/** The changes (by logical id and action) that touch a drifted resource; an added resource cannot have drifted. */
export function overwrittenDrift(changes: readonly { logicalId: string; action: string; type: string }[], drift: DriftState): OverwrittenDrift[] {
  const drifted = new Map(drift.resources.map((r) => [r.logicalId, r.status]));
  return changes
    .filter((c) => c.action !== "Add" && drifted.has(c.logicalId))
    .map((c) => ({ logicalId: c.logicalId, resourceType: c.type, driftStatus: drifted.get(c.logicalId)! }));
}

/** Drift detection for one stack, or a note saying why it could not tell. */
export async function stackDrift(
  ctx: { clock: Clock; signal?: AbortSignal; drift: StackDriftApi },
  deployed: DeployedStack,
): Promise<{ drift: DriftState; note?: string }> {
  const drift = await detectStackDrift(ctx, ctx.drift, deployed);
  if (drift.status.startsWith("not checked")) return { drift, note: `drift ${drift.status}: changes below may overwrite changes made outside CloudFormation unseen` };
  return { drift };
}
