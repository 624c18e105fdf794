/**
 * `deploy`'s refusals that need no change set to decide: made before anything in AWS changes, so a
 * refused deploy leaves nothing half-done (exit 2).
 */
import type { CloudFormationApi } from "../aws/cloudformation.js";
import type { StackId } from "../env/model.js";
import { UserInputError } from "../errors.js";
import type { ApprovalLevel } from "../orchestrator/review/approval.js";
import { readDeployedStacks, reusingFirstReads } from "../orchestrator/deployed-stacks.js";
import type { NodeId } from "../orchestrator/graph.js";
import type { ProtectionLowering } from "../orchestrator/protection.js";
import { loweringRefusal, plannedLowerings, retainsData } from "../orchestrator/protection-guard.js";
import { STACK_TYPE } from "../templates/cfn.js";
import { commandLine, type Placing } from "./invocation.js";
import type { Session } from "./session.js";

/**
 * With no terminal and no --yes, a change set that needs approval could only fail, after the stacks before
 * it had been created: prod left half-made. So where approval may be needed, refuse at once and say how a
 * pipeline proceeds. A reviewed --changeset is approved by its review, except for termination protection
 * switched off, which no change set holds.
 */
export function requireWayToApprove(
  session: Session,
  options: { yes?: boolean; changeset?: string } & Placing,
  approval: ApprovalLevel,
  lowerings: ReadonlyMap<NodeId, readonly ProtectionLowering[]> = new Map(),
): void {
  if (approval === "never" || options.yes || session.interactive) return;
  const env = session.env.name;
  if (options.changeset) {
    const unreviewed = [...lowerings.values()].flat().filter((l) => l.resourceType === STACK_TYPE);
    if (unreviewed.length === 0) return;
    throw new UserInputError(
      `termination protection off is in no change set, so no review approved it (${unreviewed.map((l) => l.logicalId).join(", ")}), and there is no terminal to ask and no --yes: nothing was changed. Rerun with --yes, or on a terminal.`,
    );
  }
  throw new UserInputError(
    `deploy ${env} may need approval (--require-approval ${approval}) and there is no terminal to ask and no --yes: nothing was changed. ` +
      `In a pipeline, review with '${commandLine(`changeset ${env}`, options)}', then run the deploy command it prints (deploy ${env} --changeset NAME): it executes exactly what was reviewed, but never creates a stack: stacks that do not exist yet are created by a deploy on a terminal, or with --yes, which approves every change set unseen.`,
  );
}

export interface ProtectionCheck {
  /** CloudFormation for the engine: its first read of each stack reuses the check's (no extra round trips). */
  readonly cfn: CloudFormationApi;
  readonly lowerings: ReadonlyMap<NodeId, readonly ProtectionLowering[]>;
  /** The environment retains data (protection-guard's judgment, from its defaults and the deployed stacks). */
  readonly retainsData: boolean;
}

/**
 * Reads the deployed stacks in scope and refuses a deploy that lowers the protection of data the
 * environment retains, unless the user opted in; with the opt-in, the lowerings go on to approval.
 */
export async function checkProtection(session: Session, nodes: readonly NodeId[], allowLowering: boolean): Promise<ProtectionCheck> {
  const stacks = nodes.filter((n): n is StackId => n !== "certificate");
  const snapshots = await readDeployedStacks(session.cfn, session.env, stacks, session.clock);
  const found = plannedLowerings(session.env, snapshots);
  const retains = retainsData(session.env, snapshots);
  if (found.length > 0 && retains && !allowLowering) throw new UserInputError(loweringRefusal(session.env, found));
  return {
    retainsData: retains,
    cfn: reusingFirstReads(session.cfn, snapshots, session.clock),
    lowerings: new Map(found.map((s) => [s.node, s.lowerings])),
  };
}
