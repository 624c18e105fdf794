/** `status` in words and as JSON. */
import type { EnvironmentStatus, StackState } from "../orchestrator/status.js";
import { elapsed } from "../duration.js";

function driftWords(stack: StackState): string {
  if (!stack.drift) return "";
  const resources = stack.drift.resources.map((r) => `${r.logicalId} ${r.status}`).join(", ");
  return `  drift: ${stack.drift.status}${resources ? ` (${resources})` : ""}`;
}

/** Kept reviews, by name, with the commands that act on them. */
function reviewLines(status: EnvironmentStatus, command: (words: string) => string): string[] {
  const kept = status.stacks.flatMap((s) => (s.reviews ?? []).map((r) => ({ ...r, stack: s.stack })));
  if (kept.length === 0) return [];
  const names = [...new Set(kept.map((r) => r.name))];
  return [
    "  kept reviews:",
    ...kept.map((r) => `    ${r.name} on ${r.stack}, ${r.ageMs === undefined ? "age unknown" : `${elapsed(r.ageMs)} old`}`),
    ...names.flatMap((n) => [`    execute: ${command(`deploy ${status.environment} --changeset ${n}`)}`, `    discard: ${command(`changeset ${status.environment} --discard ${n}`)}`]),
  ];
}

export function statusText(status: EnvironmentStatus, command: (words: string) => string = (w) => `npm run orchestrate -- ${w}`): string {
  const lines = [`${status.environment} (${status.region})`];
  for (const stack of status.stacks) {
    const updated = stack.lastUpdated ? `  last update ${stack.lastUpdated.replace(/\.\d+Z$/, "Z")}` : "";
    const protection = stack.terminationProtection ? "  protected" : "";
    lines.push(`  ${stack.stack.padEnd(32)} ${stack.status}${updated}${protection}${driftWords(stack)}`);
    if (stack.statusReason && stack.status !== "NOT_DEPLOYED") lines.push(`      ${stack.statusReason}`);
    if (stack.serviceDrift) lines.push(`      ${stack.serviceDrift}`);
  }
  lines.push(...reviewLines(status, command));
  lines.push(`  certificate: ${status.certificate}`);
  lines.push(`  API: ${status.apiUrl ?? `not deployed (will be ${status.expectedApiUrl})`}`);
  return lines.join("\n");
}

