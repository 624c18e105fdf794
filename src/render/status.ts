/** `status` in words and as JSON. */
import type { EnvironmentStatus, StackState } from "../orchestrator/status.js";

function driftWords(stack: StackState): string {
  if (!stack.drift) return "";
  const resources = stack.drift.resources.map((r) => `${r.logicalId} ${r.status}`).join(", ");
  return `  drift: ${stack.drift.status}${resources ? ` (${resources})` : ""}`;
}

export function statusText(status: EnvironmentStatus): string {
  const lines = [`${status.environment} (${status.region})`];
  for (const stack of status.stacks) {
    const updated = stack.lastUpdated ? `  last update ${stack.lastUpdated.replace(/\.\d+Z$/, "Z")}` : "";
    const protection = stack.terminationProtection ? "  protected" : "";
    lines.push(`  ${stack.stack.padEnd(32)} ${stack.status}${updated}${protection}${driftWords(stack)}`);
    if (stack.statusReason && stack.status !== "NOT_DEPLOYED") lines.push(`      ${stack.statusReason}`);
  }
  lines.push(`  certificate: ${status.certificate}`);
  lines.push(`  API: ${status.apiUrl ?? `not deployed (will be ${status.expectedApiUrl})`}`);
  return lines.join("\n");
}

