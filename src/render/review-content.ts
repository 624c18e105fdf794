/**
 * The content of a review beyond its change rows: the summary counts, each property's values, parameters,
 * IAM statement and security-group rule tables, and the concerns. Terminal text and Markdown say the same
 * things; Markdown folds long tables into <details> so a pull-request comment stays readable.
 */
import type { ChangeConcern } from "../orchestrator/review/approval.js";
import type { ResourceChangeRow, ReviewContent, StackReview } from "../orchestrator/review/review.js";
import type { IamChange } from "../orchestrator/review/review-iam.js";
import type { RuleChange } from "../orchestrator/review/review-network.js";
import { shorten } from "../orchestrator/review/review-show.js";

/** A table worth folding away in Markdown: more rows than a reader takes in at a glance. */
const LONG_TABLE = 8;

interface Section {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface StackCounts {
  readonly adds: number;
  readonly modifies: number;
  readonly removes: number;
  readonly replacements: number;
  readonly widenings: number;
  readonly lowerings: number;
}

export function stackCounts(stack: StackReview): StackCounts {
  const lowerings = stack.lowerings.length;
  if (stack.kind === "new") return { adds: stack.resources, modifies: 0, removes: 0, replacements: 0, widenings: 0, lowerings };
  if (stack.kind !== "changes") return { adds: 0, modifies: 0, removes: 0, replacements: 0, widenings: 0, lowerings };
  const count = (test: (row: ResourceChangeRow) => boolean) => stack.changes.filter(test).length;
  return {
    adds: count((r) => r.action === "Add"),
    modifies: count((r) => r.action === "Modify"),
    removes: count((r) => r.action === "Remove"),
    replacements: count((r) => r.replacement === "True" || r.replacement === "Conditional"),
    widenings: stack.concerns.filter((c) => c.why === "widens access").length,
    lowerings,
  };
}

const SUMMARY_HEADERS = ["Stack", "Add", "Modify", "Remove", "Replace", "Widens access", "Lowers protection"] as const;

const summaryRows = (stacks: readonly StackReview[]) =>
  stacks.map((s) => {
    const c = stackCounts(s);
    const state = s.kind === "blocked" || s.kind === "failed" ? ` (${s.kind === "failed" ? "FAILED" : "not reviewed"})` : s.kind === "new" ? " (new)" : "";
    return [`${s.stack}${state}`, ...[c.adds, c.modifies, c.removes, c.replacements, c.widenings, c.lowerings].map(String)];
  });

const mark = (change: "added" | "removed") => (change === "added" ? "+" : "-");
const judged = (widens: boolean) => (widens ? "widens" : "narrows");
const list = (items: readonly string[]) => shorten(items.join(", ") || "-", 60);

export const iamRows = (changes: readonly IamChange[]) =>
  changes.map((c) => [mark(c.change), c.statement.where, c.statement.effect, list(c.statement.actions), list(c.statement.resources), list(c.statement.principals), shorten(c.statement.condition || "-", 40), judged(c.widens)]);

export const ruleRows = (changes: readonly RuleChange[]) =>
  changes.map((c) => [mark(c.change), c.rule.group, c.rule.direction, c.rule.protocol, c.rule.ports, c.rule.peer, shorten(c.rule.description || "-", 40), judged(c.widens)]);

export const describeConcern = (c: ChangeConcern) => `${c.logicalId} (${c.resourceType}) ${c.why}${c.detail ? `: ${c.detail}` : ""}`;

/** The sections of one stack's content, in reading order; empty ones left out. */
export function contentSections(rows: readonly ResourceChangeRow[], content: ReviewContent): Section[] {
  const values = rows.flatMap((r) => r.values.map((v) => [r.logicalId, v.name, v.before, v.after, v.causesReplacement ? "replaces" : ""]));
  const sections: Section[] = [
    { title: "Values", headers: ["Resource", "Property", "Before", "After", "Cause"], rows: values },
    { title: "Parameters", headers: ["Parameter", "Before", "After"], rows: content.parameters.map((p) => [p.name, p.before, p.after]) },
    { title: "IAM statement changes", headers: ["", "Where", "Effect", "Actions", "Resources", "Principals", "Condition", "Access"], rows: iamRows(content.iam) },
    { title: "Security-group rule changes", headers: ["", "Group", "Dir", "Protocol", "Ports", "Peer", "Description", "Access"], rows: ruleRows(content.network) },
  ];
  return sections.filter((s) => s.rows.length > 0);
}

/** Columns padded to line up, two spaces in. */
export function alignedLines(headers: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`.trimEnd();
  return [line(headers), ...rows.map(line)];
}

export function summaryText(stacks: readonly StackReview[]): string[] {
  return ["Summary:", ...alignedLines(SUMMARY_HEADERS, summaryRows(stacks))];
}

export function contentText(rows: readonly ResourceChangeRow[], content: ReviewContent): string[] {
  const lines = contentSections(rows, content).flatMap((s) => [`  ${s.title}:`, ...alignedLines(s.headers, s.rows, "    ")]);
  // Lowered protection has its own lines; these are the other reasons a deploy stops for a yes.
  const asks = content.concerns.filter((c) => c.why !== "lowers protection");
  if (asks.length > 0) lines.push("  Needs approval where changes must be approved (prod):", ...asks.map((c) => `    ! ${describeConcern(c)}`));
  return lines;
}

const md = (text: string) => text.replace(/\|/g, "\\|");

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cell = (c: string) => (c === "" ? " " : `\`${md(c).replace(/`/g, "'")}\``);
  return [`| ${headers.map(md).join(" | ")} |`, `|${headers.map(() => " --- ").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
}

export function summaryMarkdown(stacks: readonly StackReview[]): string[] {
  const rows = summaryRows(stacks);
  return [`| ${SUMMARY_HEADERS.join(" | ")} |`, `|${SUMMARY_HEADERS.map(() => " --- ").join("|")}|`, ...rows.map((r) => `| ${r.map(md).join(" | ")} |`)];
}

export function contentMarkdown(rows: readonly ResourceChangeRow[], content: ReviewContent): string[] {
  const lines: string[] = [];
  for (const section of contentSections(rows, content)) {
    const table = markdownTable(section.headers, section.rows);
    if (section.rows.length > LONG_TABLE) lines.push("", `<details><summary>${section.title} (${section.rows.length})</summary>`, "", ...table, "", "</details>");
    else lines.push("", `**${section.title}**`, "", ...table);
  }
  const asks = content.concerns.filter((c) => c.why !== "lowers protection");
  if (asks.length > 0) lines.push("", "**Needs approval** where changes must be approved (prod):", ...asks.map((c) => `- ${md(describeConcern(c))}`));
  return lines;
}
