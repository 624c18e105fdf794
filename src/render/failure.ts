/**
 * A stack that did not finish, explained once, at the end: the root cause first (the first failing resource
 * and CloudFormation's reason), then the evidence from outside CloudFormation, then what to run next.
 */
import type { Environment } from "../env/model.js";
import type { NodeId } from "../orchestrator/graph.js";
import { logsWords } from "../orchestrator/logs/command-hint.js";
import type { NodeResult } from "../orchestrator/results.js";
import { commandText } from "./command-line.js";

export interface FailureContext {
  readonly env: Pick<Environment, "name" | "project" | "region">;
  /**
   * Turns words (`logs dev --since 1h`) into the command to paste, with the flags that chose this run's config,
   * region, profile and endpoint (cli/invocation.ts), so a hint reaches what the run reached. Default: no flags.
   */
  readonly command?: (words: string) => string;
}

const label = (name: string) => `  ${name.padEnd(9)} `;
const continued = " ".repeat(label("").length);

/** The lines explaining one node, or none when there is nothing to explain (success, skipped, interrupted). */
export function failureReport(node: NodeId, result: NodeResult, context: FailureContext): string[] {
  if (result.kind === "needs-recovery") return [`${node} needs recovery: ${result.message}`, `${label("next")}${result.recovery}`];
  if (result.kind !== "failed") return [];
  const cause = result.rootCause;
  const lines = [cause ? `${node} failed: ${cause.logicalId} (${cause.resourceType}): ${cause.reason}` : `${node} failed: ${result.message}`];
  if (cause) lines.push(`${label("stack")}${result.message}`);
  (result.evidence ?? []).forEach((finding, i) => lines.push(`${i === 0 ? label("evidence") : continued}${finding}`));
  lines.push(`${label("next")}${nextStep(result, context)}`);
  return lines;
}

/** A service that did not stabilise is the container's doing (it exits, or fails its health check): its logs say why. */
function nextStep(result: Extract<NodeResult, { kind: "failed" }>, context: FailureContext): string {
  if (result.rootCause?.resourceType === "AWS::ECS::Service" || result.containersAtFault) return (context.command ?? commandText)(logsWords(context.env));
  return "fix the cause named above, then run the same deploy again (stacks already done are skipped as unchanged)";
}
