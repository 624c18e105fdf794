/**
 * One ReviewReport, three ways: a coloured table for a terminal, JSON for machines, Markdown for a
 * pull request comment. All three say the same things in the same order.
 */
import { styleText } from "node:util";
import type { ResourceChangeRow, ReviewReport, StackReview } from "../orchestrator/review/review.js";
import { commandText } from "./command-line.js";
import { describeLowering } from "../orchestrator/protection.js";
import { ALLOW_LOWERING_FLAG } from "../orchestrator/protection-guard.js";
import { contentMarkdown, contentText, summaryMarkdown, summaryText } from "./review-content.js";
import { stackExtrasMarkdown, stackExtrasText } from "./review-extras.js";
import { count } from "../count.js";

type Style = Parameters<typeof styleText>[0];
type Paint = (style: Style, text: string) => string;

const HEADERS = ["Action", "Logical id", "Type", "Replacement", "Properties"] as const;

const cells = (row: ResourceChangeRow): string[] => [row.action, row.logicalId, row.type, row.replacement || "-", row.properties.join(", ") || "-"];

/** Red for data at risk, yellow for replacements and removals, green for additions. */
function rowStyle(row: ResourceChangeRow): Style | undefined {
  if (row.dangerous) return ["red", "bold"];
  if (row.action === "Remove" || row.replacement === "True" || row.replacement === "Conditional") return "yellow";
  if (row.action === "Add") return "green";
  return undefined;
}

function headline(stack: StackReview): string {
  switch (stack.kind) {
    case "new":
      return `new: ${stack.resources} resources (from the local template; created by deploy, no change set made)`;
    case "unchanged":
      return "no changes";
    case "changes":
      return `${count(stack.changes.length, "change")} in change set ${stack.changeSetName}`;
    case "blocked":
      return `not reviewed: ${stack.reason}`;
    case "failed":
      return `FAILED: ${stack.reason}`;
  }
}

/** The rows of one change set as an aligned table, coloured by risk; also shown when deploy asks for approval. */
export function changeTable(rows: readonly ResourceChangeRow[], options: { color: boolean }): string[] {
  return table(rows, painter(options.color));
}

const painter = (color: boolean): Paint => (color ? (style, text) => styleText(style, text) : (_style, text) => text);

function table(rows: readonly ResourceChangeRow[], paint: Paint): string[] {
  const grid = [HEADERS as readonly string[], ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...grid.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`;
  return [paint("dim", line(HEADERS)), ...rows.map((row) => {
    const style = rowStyle(row);
    const text = line(cells(row)) + (row.dangerous ? "  <- data at risk" : "");
    return style ? paint(style, text) : text;
  })];
}

export function reviewText(report: ReviewReport, options: { color: boolean }): string {
  const paint = painter(options.color);
  const lines = [paint("bold", `Review of ${report.environment} (${report.region}), ${report.createdAt}`), `certificate: ${report.certificate}`];
  // The counts first, so a reader knows what to look for before the detail.
  lines.push("", ...summaryText(report.stacks));
  for (const stack of report.stacks) {
    lines.push("", `${paint("bold", stack.stack)}: ${stack.kind === "failed" ? paint("red", headline(stack)) : headline(stack)}`);
    if (stack.kind === "changes") lines.push(...table(stack.changes, paint), ...contentText(stack.changes, stack));
    lines.push(...stackExtrasText(stack, paint));
    if (stack.kind === "new") lines.push(...Object.entries(stack.resourceTypes).map(([type, n]) => `  ${String(n).padStart(3)} x ${type}`));
    lines.push(...stack.lowerings.map((l) => paint(["red", "bold"], `  lowers protection: ${describeLowering(l)}`)));
    for (const note of stack.notes) lines.push(paint("cyan", `  note: ${note}`));
  }
  if (report.warnings.length > 0) {
    lines.push("", paint(["red", "bold"], "WARNING: stateful resources would be replaced or removed:"));
    lines.push(...report.warnings.map((w) => paint("red", `  - ${w}`)));
  }
  if (lowerings(report).length > 0) {
    lines.push("", paint(["red", "bold"], "WARNING: lowers the protection of data:"));
    lines.push(...lowerings(report).map((w) => paint("red", `  - ${w}`)), ...optIn(report).map((l) => paint("red", l)));
  }
  lines.push("", ...closing(report));
  return lines.join("\n");
}

/** "stack: what gets weaker", for the closing warning. */
const lowerings = (report: ReviewReport) => report.stacks.flatMap((s) => s.lowerings.map((l) => `${s.stack}: ${describeLowering(l)}`));

const optIn = (report: ReviewReport) =>
  report.loweringNeedsOptIn ? [`${report.environment} retains data: deploy refuses this unless it is run with ${ALLOW_LOWERING_FLAG} (--yes does not imply it).`] : [];

const kept = (report: ReviewReport) => report.stacks.filter((s): s is Extract<StackReview, { kind: "changes" }> => s.kind === "changes");

/** The commands to act on this review, with the options that chose its account, region and config, so they work as printed. */
const commands = (report: ReviewReport) => {
  const command = (words: string) => commandText(words, report.repeat);
  return {
    execute: command(`deploy ${report.environment} --changeset ${report.changeSetName}`),
    discard: command(`changeset ${report.environment} --discard ${report.changeSetName}`),
  };
};

function closing(report: ReviewReport): string[] {
  if (report.interrupted) return ["Interrupted: the change sets this review created were deleted again."];
  if (kept(report).length === 0) return ["Nothing to execute: no change sets were kept."];
  return [
    `Change sets kept for review (${report.changeSetName}):`,
    ...kept(report).map((s) => `  ${s.stack}: ${s.changeSetId}`),
    `Execute exactly these: ${commands(report).execute}`,
    `Discard them:          ${commands(report).discard}`,
  ];
}

function closingMarkdown(report: ReviewReport): string[] {
  if (report.interrupted || kept(report).length === 0) return closing(report);
  return [
    `Change sets kept for review (\`${report.changeSetName}\`):`,
    ...kept(report).map((s) => `- ${s.stack}: \`${s.changeSetId}\``),
    "",
    `Execute exactly these: \`${commands(report).execute}\``,
    `Discard them: \`${commands(report).discard}\``,
  ];
}

export function reviewJson(report: ReviewReport) {
  return {
    ...report,
    ok: report.stacks.every((s) => s.kind !== "failed") && !report.interrupted,
    keptChangeSets: kept(report).map((s) => ({ stack: s.stack, changeSetName: s.changeSetName, changeSetId: s.changeSetId })),
  };
}

const md = (text: string) => text.replace(/\|/g, "\\|");

export function reviewMarkdown(report: ReviewReport): string {
  const lines = [`## Change review: ${report.environment} (${report.region})`, "", `Reviewed ${report.createdAt}; certificate: ${md(report.certificate)}.`];
  lines.push("", ...summaryMarkdown(report.stacks));
  if (report.warnings.length > 0) {
    lines.push("", "> [!CAUTION]", "> Stateful resources would be replaced or removed:", ...report.warnings.map((w) => `> - ${md(w)}`));
  }
  if (lowerings(report).length > 0) {
    lines.push("", "> [!CAUTION]", "> Lowers the protection of data:", ...lowerings(report).map((w) => `> - ${md(w)}`), ...optIn(report).map((l) => `>\n> ${md(l)}`));
  }
  for (const stack of report.stacks) {
    lines.push("", `### ${stack.stack}`, "", md(headline(stack)));
    if (stack.kind === "changes") {
      lines.push("", `| ${HEADERS.join(" | ")} |`, `|${HEADERS.map(() => " --- ").join("|")}|`);
      for (const row of stack.changes) {
        const marked = cells(row).map((c, i) => (i === 1 && row.dangerous ? `**${md(c)}** :warning:` : md(c)));
        lines.push(`| ${marked.join(" | ")} |`);
      }
      lines.push(...contentMarkdown(stack.changes, stack));
    }
    lines.push(...stackExtrasMarkdown(stack));
    if (stack.kind === "new") lines.push("", ...Object.entries(stack.resourceTypes).map(([type, n]) => `- ${n} × \`${type}\``));
    if (stack.lowerings.length > 0) lines.push("", ...stack.lowerings.map((l) => `- **lowers protection**: ${md(describeLowering(l))}`));
    if (stack.notes.length > 0) lines.push("", ...stack.notes.map((n) => `- _${md(n)}_`));
  }
  lines.push("", ...closingMarkdown(report));
  return lines.join("\n") + "\n";
}
