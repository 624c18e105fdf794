/**
 * `changeset --fail-on broadening|any-change`: whether a review holds changes CI should stop a pull request
 * for. The judgment is approval.ts's, the one deploy's approval prompt uses, so a review gated here is the
 * review whose deploy would stop and ask.
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import { concerns, type ApprovalLevel, type ChangeConcern } from "./approval.js";
import type { ReviewReport, StackReview } from "./review.js";

export type FailOnLevel = Exclude<ApprovalLevel, "never">;
export const FAIL_ON_LEVELS: readonly FailOnLevel[] = ["broadening", "any-change"];

/**
 * What deploy's approval would ask about for one stack. A new stack has no change set in the review (it is
 * described from the template), so each of its resource types counts as an Add, as the CREATE change set
 * deploy makes would list it.
 */
function concernsOf(stack: StackReview): ChangeConcern[] {
  if (stack.kind === "changes") return stack.concerns;
  if (stack.kind === "new") {
    const adds: Change[] = Object.keys(stack.resourceTypes).map((type) => ({ Type: "Resource", ResourceChange: { Action: "Add", ResourceType: type, LogicalResourceId: type } }));
    return concerns(adds, stack.lowerings);
  }
  return concerns([], stack.lowerings);
}

const changes = (stack: StackReview) => stack.kind === "changes" || stack.kind === "new" || stack.lowerings.length > 0;

const describe = (stack: StackReview, c: ChangeConcern) =>
  stack.kind === "new" ? `${c.resourceType} ${c.why}` : `${c.logicalId} (${c.resourceType}) ${c.why}${c.detail ? ` (${c.detail})` : ""}`;

/** Why the gate trips, one line per stack; empty when the review passes. */
export function gateReasons(report: ReviewReport, level: FailOnLevel): string[] {
  const reasons: string[] = [];
  for (const stack of report.stacks) {
    // A stack that could not be reviewed cannot be shown harmless.
    if (stack.kind === "blocked" || stack.kind === "failed") reasons.push(`${stack.stack} could not be reviewed (${stack.kind})`);
    else if (level === "any-change" && changes(stack)) reasons.push(`${stack.stack} changes`);
    else if (level === "broadening") {
      const found = concernsOf(stack);
      if (found.length > 0) reasons.push(`${stack.stack}: ${[...new Set(found.map((c) => describe(stack, c)))].join(", ")}`);
    }
  }
  return reasons;
}
