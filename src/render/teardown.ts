/** Teardown in words: the plan to confirm, the live lines, the end (with what stays behind), and JSON. */
import type { EngineEvent, EventSink } from "../orchestrator/events.js";
import type { TeardownOutcome, TeardownReport } from "../orchestrator/teardown/teardown.js";
import type { VersionCount } from "../aws/s3.js";
import type { PlannedStack, RetainedResource, TeardownPlan, TeardownReadError } from "../orchestrator/teardown/teardown-plan.js";
import { causeText, duration } from "./describe.js";
import { describeError } from "./errors.js";
import { plainRenderer } from "./plain.js";
import { buildGraph, layers, reversed, type NodeId } from "../orchestrator/graph.js";
import { STACKS } from "../templates/index.js";

/** domain, backend, then certificate, network, storage and auth (which go in parallel). */
const TEARDOWN_ORDER: NodeId[] = layers(reversed(buildGraph(STACKS))).flat();

export function planText(plan: TeardownPlan, envName: string, region: string): string {
  const lines = [`Teardown of ${envName} (${region}) would delete, in reverse dependency order:`];
  for (const node of TEARDOWN_ORDER) {
    const stack = plan.stacks.find((s) => s.node === node);
    if (!stack) {
      lines.push(`  ${"certificate".padEnd(32)} ${plan.certificateDescription ?? "none, skipped"}`);
      continue;
    }
    if (!stack.status) {
      lines.push(`  ${stack.name.padEnd(32)} not deployed, skipped`);
      continue;
    }
    const protections = [stack.terminationProtection ? "termination protection" : "", stack.protectedLoadBalancers.length > 0 ? "load balancer deletion protection" : ""].filter(Boolean);
    const lifted = protections.length > 0 ? `, ${protections.join(" and ")} on (lifted once you confirm)` : "";
    lines.push(`  ${stack.name.padEnd(32)} ${stack.status}, ${stack.resources} resources${lifted}`, ...stackDetail(plan, stack));
  }
  return lines.join("\n");
}

/** Under each stack: how much goes, what stays (with its id), and which buckets lose their contents first. */
function stackDetail(plan: TeardownPlan, stack: PlannedStack): string[] {
  const indent = "      ";
  return [
    `${indent}deletes: ${stack.deletes} resources`,
    ...plan.retained.filter((r) => r.node === stack.node).map((r) => `${indent}keeps: ${r.logicalId} (${r.type}) ${r.physicalId ?? "(physical id unknown)"}`),
    ...stack.bucketsToEmpty.map((b) => `${indent}empties first: s3://${b.bucket}, ${versionsText(b.versions)}`),
  ];
}

function versionsText(versions: VersionCount): string {
  if (versions.missing) return "already gone";
  if (versions.more) return `more than ${versions.counted} object versions and delete markers (counting stopped there)`;
  return `${versions.counted} object versions and delete markers`;
}

/** A read the plan needed failed: which, on which stack, what AWS said, and that nothing was touched. */
export function readFailureText(error: TeardownReadError, envName: string): string {
  return [
    `Cannot tell what teardown of ${envName} would delete or keep: nothing was deleted, emptied or unprotected.`,
    ...error.failures.map((f) => `  ${f.operation} of ${f.stack} failed: ${describeError(f.cause)}`),
    "What to keep is decided from the deployed stacks only. Fix what is named above (a permission, throttling, a template edited outside this tool), then run the same command again.",
  ].join("\n");
}

export const hasAnythingToDelete = (plan: TeardownPlan) => plan.certificateDescription !== undefined || plan.stacks.some((s) => s.status !== undefined);

/** Plain lines; a stack's end is said by teardown's own message ("deleted"), not the deploy wording. */
export function teardownSink(write: (line: string) => void): EventSink {
  const plain = plainRenderer(write);
  return (event: EngineEvent) => {
    if (event.type === "node-finished" && event.result.kind === "unchanged") return;
    plain(event);
  };
}

function describeOutcome(outcome: TeardownOutcome): string[] {
  switch (outcome.kind) {
    case "deleted":
      return [`deleted in ${duration(outcome.durationMs)}`, ...outcome.notes.map((n) => `  ${n}`)];
    case "absent":
      return ["not deployed: nothing to delete"];
    case "failed":
      return [`FAILED: ${outcome.message}${causeText(outcome.rootCause)}`, ...(outcome.recovery ? [`  next step: ${outcome.recovery}`] : [])];
    case "skipped":
      return [`skipped: ${outcome.message}`];
    case "interrupted":
      if (!outcome.notDone) return [`interrupted: ${outcome.message}`];
      return [`interrupted: ${outcome.done?.length ? `done: ${outcome.done.join("; ")}` : "nothing done"}; not done: ${outcome.notDone.join(", ")}`];
  }
}

export const teardownSucceeded = (report: TeardownReport) =>
  !report.interrupted && [...report.outcomes.values()].every((o) => o.kind === "deleted" || o.kind === "absent");

const retainedLines = (retained: readonly RetainedResource[]) =>
  retained.flatMap((r) => [`  ${r.stack} ${r.logicalId} (${r.type}) ${r.physicalId ?? "(physical id unknown)"}`, `      ${r.deleteCommand}`]);

export function summaryText(report: TeardownReport, plan: TeardownPlan): string {
  const verdict = teardownSucceeded(report) ? "torn down" : report.interrupted ? "INTERRUPTED" : "FAILED";
  const lines = [`${report.env.name}: ${verdict}`];
  for (const node of TEARDOWN_ORDER) {
    const outcome = report.outcomes.get(node);
    if (!outcome) continue;
    const [first, ...rest] = describeOutcome(outcome);
    lines.push(`  ${node.padEnd(11)} ${first}`, ...rest.map((l) => `              ${l.trim()}`));
  }
  if (report.repository) lines.push(`  repository  ${report.repository}`);
  if (report.interrupted) lines.push("  Deletions already started continue in CloudFormation; run the same command again to follow and finish them.");
  else if (!teardownSucceeded(report)) lines.push("  Fix what is named above and run the same command again: finished stacks are skipped.");
  if (report.retained.length > 0) {
    lines.push("", "Retained (not deleted, by DeletionPolicy Retain). When nobody needs them, delete by hand:", ...retainedLines(report.retained));
  }
  if (plan.possiblyLeftBehind.length > 0) {
    lines.push(
      "",
      `Already gone before this run: ${plan.possiblyLeftBehind.join(", ")}. Resources an earlier teardown retained from them may still exist: ` +
        `find them by the tags Project=${report.env.project}, Environment=${report.env.name}.`,
    );
  }
  return lines.join("\n");
}

export function summaryJson(report: TeardownReport, plan: TeardownPlan) {
  return {
    environment: report.env.name,
    region: report.env.region,
    ok: teardownSucceeded(report),
    interrupted: report.interrupted,
    stacks: Object.fromEntries(report.outcomes),
    repository: report.repository,
    retained: report.retained,
    possiblyLeftBehind: plan.possiblyLeftBehind,
  };
}
