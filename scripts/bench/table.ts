/** The bench's one output: figures, each with its goal and whether it was met. */

export interface Row {
  readonly figure: string;
  readonly measured: string;
  readonly goal: string;
  /** undefined: shown for information, no goal to meet. */
  readonly pass?: boolean;
}

export interface Section {
  readonly title: string;
  readonly rows: Row[];
  /** How the figures were obtained, printed under the section. */
  readonly notes?: string[];
}

const verdict = (pass: boolean | undefined) => (pass === undefined ? "info" : pass ? "PASS" : "MISS");

export function renderTable(sections: readonly Section[]): string {
  const rows = sections.flatMap((s) => s.rows);
  const width = {
    figure: Math.max(6, ...rows.map((r) => r.figure.length)),
    measured: Math.max(8, ...rows.map((r) => r.measured.length)),
    goal: Math.max(4, ...rows.map((r) => r.goal.length)),
  };
  const line = (figure: string, measured: string, goal: string, result: string) =>
    `  ${figure.padEnd(width.figure)}  ${measured.padEnd(width.measured)}  ${goal.padEnd(width.goal)}  ${result}`;
  const out: string[] = [line("figure", "measured", "goal", "result"), line("-".repeat(width.figure), "-".repeat(width.measured), "-".repeat(width.goal), "------")];
  for (const section of sections) {
    out.push("", `${section.title}`);
    for (const row of section.rows) out.push(line(row.figure, row.measured, row.goal, verdict(row.pass)));
    for (const note of section.notes ?? []) out.push(`    ${note}`);
  }
  const missed = rows.filter((r) => r.pass === false).length;
  const goals = rows.filter((r) => r.pass !== undefined).length;
  out.push("", `${goals - missed}/${goals} goals met${missed > 0 ? ` (${missed} missed)` : ""}`);
  return out.join("\n");
}

export const seconds = (ms: number, digits = 1) => `${(ms / 1000).toFixed(digits)} s`;
export const ratio = (x: number) => x.toFixed(3);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
