import type { Template } from "./cfn.js";

/** Pretty, deterministic JSON: the builders' insertion order is stable, so the same input gives the same bytes. */
export function renderTemplate(template: Template): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}
