/** The end of a run: one screen for people, one JSON document for machines. */
import { apiUrl } from "../env/model.js";
import type { DeployReport } from "../orchestrator/deploy/deploy.js";
import { succeeded, type NodeResult } from "../orchestrator/results.js";
import { describeResult, duration } from "./describe.js";
import { failureReport, type FailureContext } from "./failure.js";

/** What the run knows beyond the engine's report: how long it took, which image it deployed. */
export interface RunFacts {
  readonly totalMs: number;
  /** The tag asked for and the URI deployed (by digest: `…/repo@sha256:…`). */
  readonly image?: { readonly tag: string; readonly uri: string };
  /** The command to paste for given words, with this run's placing flags (see FailureContext). */
  readonly command?: (words: string) => string;
}

/** `latest (sha256:0123456789ab)`: the tag a person knows, and enough of the digest to tell two pushes apart. */
export function imageText(image: RunFacts["image"]): string | undefined {
  if (!image) return undefined;
  const digest = /@(sha256:[0-9a-f]{12})/.exec(image.uri)?.[1];
  return digest ? `${image.tag} (${digest})` : image.tag;
}

function failureJson(result: NodeResult) {
  switch (result.kind) {
    case "failed":
      return { message: result.message, rootCause: result.rootCause, evidence: result.evidence };
    case "needs-recovery":
      return { message: result.message, recovery: result.recovery };
    case "skipped":
    case "interrupted":
      return { message: result.message };
    default:
      return undefined;
  }
}

export function summaryJson(report: DeployReport, facts?: RunFacts) {
  const stacks: Record<string, unknown> = {};
  for (const [node, result] of report.results) {
    stacks[node] = {
      action: result.kind === "deployed" ? result.action : result.kind,
      status: "status" in result ? result.status : undefined,
      durationMs: "durationMs" in result ? result.durationMs : undefined,
      outputs: "outputs" in result ? result.outputs : undefined,
      failure: failureJson(result),
    };
  }
  return {
    environment: report.env.name,
    region: report.env.region,
    ok: isSuccessful(report),
    interrupted: report.interrupted,
    durationMs: facts?.totalMs,
    image: facts?.image,
    apiUrl: apiUrl(report.env),
    discardedChangeSets: report.discardedChangeSets,
    stacks,
  };
}

export function isSuccessful(report: DeployReport): boolean {
  return !report.interrupted && [...report.results.values()].every(succeeded);
}

function verdict(report: DeployReport, totalMs: number | undefined): string {
  const took = (words: string) => (totalMs === undefined ? words : `${words} ${duration(totalMs)}`);
  if (report.interrupted) return took("INTERRUPTED after");
  if (!isSuccessful(report)) return took("FAILED after");
  return [...report.results.values()].every((r) => r.kind === "unchanged") ? took("no changes in") : took("deployed in");
}

const INDENT = " ".repeat(14);

export function summaryText(report: DeployReport, facts?: RunFacts, options: { verbose?: boolean } = {}): string {
  const lines = [`${report.env.name}: ${verdict(report, facts?.totalMs)}`];
  for (const [node, result] of report.results) {
    lines.push(`  ${node.padEnd(11)} ${describeResult(result)}`);
    if (succeeded(result)) {
      lines.push(...(result.notes ?? []).map((note) => `${INDENT}${note}`));
      if (options.verbose) lines.push(...Object.entries(result.outputs).map(([key, value]) => `${INDENT}${node}.${key} = ${value}`));
    }
  }
  const image = imageText(facts?.image);
  if (image) lines.push(`  ${"image".padEnd(11)} ${image}`);
  if (isSuccessful(report)) lines.push(`  ${"API".padEnd(11)} ${apiUrl(report.env)}`);
  const context: FailureContext = { env: report.env, command: facts?.command };
  for (const [node, result] of report.results) {
    const explained = failureReport(node, result, context);
    if (explained.length > 0) lines.push("", ...explained);
  }
  if (report.interrupted) {
    lines.push("", "Operations already executing continue in CloudFormation; run the same command again to follow and finish them.");
  }
  for (const discarded of report.discardedChangeSets) lines.push(`  removed unexecuted change set ${discarded}`);
  return lines.join("\n");
}
