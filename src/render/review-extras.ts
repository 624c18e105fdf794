/**
 * Lines the review adds under a stack's table: CloudFormation's own pre-deployment validation and
 * drift the change would overwrite. Kept apart from the tables (review.ts), which say what changes.
 */
import type { StackReview } from "../orchestrator/review/review.js";
import { findingLine } from "../orchestrator/deploy/change-set-validation.js";
import { driftLine } from "../orchestrator/review/review-drift.js";

type Paint = (style: "red" | "yellow" | ["red", "bold"], text: string) => string;

export function stackExtrasText(stack: StackReview, paint: Paint): string[] {
  return [
    ...(stack.validation ?? []).map((f) => paint(f.mode === "FAIL" ? ["red", "bold"] : "yellow", `  ${findingLine(f)}`)),
    ...(stack.overwritesDrift ?? []).map((d) => paint("yellow", `  ${driftLine(d)}`)),
  ];
}

const md = (text: string) => text.replace(/\|/g, "\\|");

export function stackExtrasMarkdown(stack: StackReview): string[] {
  const lines = [
    ...(stack.validation ?? []).map(
      (f) => `- **validation ${f.mode === "FAIL" ? "failed" : "warning"}**: ${md(f.name)}${f.path ? ` at \`${f.path}\`` : ""}: ${md(f.reason)}`,
    ),
    ...(stack.overwritesDrift ?? []).map((d) => `- **overwrites drift**: ${md(driftLine(d).replace(/^overwrites drift: /, ""))}`),
  ];
  return lines.length > 0 ? ["", ...lines] : [];
}
