import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Environment } from "../env/model.js";
import { apiUrl, stackName } from "../env/model.js";
import { buildGraph, layers } from "../orchestrator/graph.js";
import { STACKS, synthesizeEnvironment } from "../templates/index.js";
import { inputsFor } from "../templates/stack.js";
import { renderTemplate } from "../templates/render.js";

export interface SynthResult {
  readonly env: Environment;
  readonly files: { stack: string; path: string; resources: number; parameters: string[]; bytes: number }[];
}

/** Writes `<out>/<env>/<stack>.json` for each stack of the environment. */
export function writeTemplates(env: Environment, outDir: string): SynthResult {
  const dir = join(outDir, env.name);
  mkdirSync(dir, { recursive: true });
  const files = synthesizeEnvironment(env).map(({ definition, template }) => {
    const body = renderTemplate(template);
    const path = join(dir, `${definition.id}.json`);
    writeFileSync(path, body);
    return {
      stack: definition.id,
      path,
      resources: Object.keys(template.Resources).length,
      parameters: Object.keys(template.Parameters ?? {}),
      bytes: Buffer.byteLength(body),
    };
  });
  return { env, files };
}

/** One screen: the stacks, their size, and what each consumes from which producer, in deploy order. */
export function synthSummary(result: SynthResult): string {
  const { env } = result;
  const lines = [`${env.name}  (${env.region}${env.account ? `, account ${env.account}` : ""})  api: ${apiUrl(env)}`];
  const order = layers(buildGraph(STACKS)).map((layer, i) => `${i + 1}. ${layer.join(" + ")}`);
  lines.push(`  deploy order: ${order.join("  ")}`);
  for (const file of result.files) {
    const definition = STACKS.find((s) => s.id === file.stack)!;
    const byProducer = new Map<string, string[]>();
    for (const [name, input] of Object.entries(inputsFor(definition, env))) byProducer.set(input.from, [...(byProducer.get(input.from) ?? []), name]);
    const consumes = [...byProducer].map(([producer, names]) => `${producer}(${names.join(", ")})`);
    lines.push(
      `  ${file.stack.padEnd(8)} ${stackName(env, definition.id).padEnd(28)} ${String(file.resources).padStart(3)} resources  ${String(file.bytes).padStart(6)} bytes  ${file.path}`,
    );
    if (consumes.length > 0) lines.push(`           consumes ${consumes.join(" ")}`);
  }
  return lines.join("\n");
}
