/** The end of a run: one screen for people, one JSON document for machines. */
import type { DeployReport } from "../orchestrator/deploy.js";
import { succeeded } from "../orchestrator/results.js";
import { describeResult } from "./describe.js";

export function summaryJson(report: DeployReport) {
  const stacks: Record<string, unknown> = {};
  for (const [node, result] of report.results) {
    stacks[node] = {
      action: result.kind === "deployed" ? result.action : result.kind,
      status: "status" in result ? result.status : undefined,
      durationMs: "durationMs" in result ? result.durationMs : undefined,
      outputs: "outputs" in result ? result.outputs : undefined,
      failure:
        result.kind === "failed" ? { message: result.message, rootCause: result.rootCause }
        : result.kind === "needs-recovery" ? { message: result.message, recovery: result.recovery }
        : result.kind === "skipped" || result.kind === "interrupted" ? { message: result.message }
        : undefined,
    };
  }
  return {
    environment: report.env.name,
    region: report.env.region,
    ok: isSuccessful(report),
    interrupted: report.interrupted,
    discardedChangeSets: report.discardedChangeSets,
    stacks,
  };
}

export function isSuccessful(report: DeployReport): boolean {
  return !report.interrupted && [...report.results.values()].every(succeeded);
}

export function summaryText(report: DeployReport): string {
  const lines = [`${report.env.name}: ${isSuccessful(report) ? "done" : report.interrupted ? "INTERRUPTED" : "FAILED"}`];
  for (const [node, result] of report.results) lines.push(`  ${node.padEnd(11)} ${describeResult(result)}`);
  if (report.interrupted) {
    lines.push("  Operations already executing continue in CloudFormation; run the same command again to follow and finish them.");
  }
  for (const discarded of report.discardedChangeSets) lines.push(`  removed unexecuted change set ${discarded}`);
  return lines.join("\n");
}
