#!/usr/bin/env node
/**
 * Builds the CLI into dist/: ES modules bundled by esbuild, split at every dynamic import so a command
 * loads only its own code (`--help` and `synth` never load the AWS SDK). Run by `npm ci` (the `prepare`
 * script) and by bin/orchestrate.mjs when src/ changed since the last build.
 * Plain JavaScript, not TypeScript: it must run before anything else exists, with node alone.
 */
import { mkdirSync, readdirSync, rmSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const ENTRY = join(DIST, "main.js");

/**
 * `keepOldChunks`: a rebuild while another run is going (the launcher's, after an edit) adds the new chunks
 * beside the old ones and swaps main.js last, so a deploy that started on the old build still finds the
 * chunks it loads late (EC2's after the network stack). Chunk names carry a content hash, so nothing clashes.
 * Without it (npm ci, npm run build) dist/ is replaced whole.
 */
export async function buildCli({ keepOldChunks = false } = {}) {
  // Imported here, not at the top: the launcher imports this module only when it must rebuild.
  const { build } = await import("esbuild");
  const staging = `${DIST}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const { metafile } = await build({
    // Paths in the metafile relative to the project, as help.json records them.
    absWorkingDir: ROOT,
    metafile: true,
    // program: also an entry of its own, so writeHelp can render the help from the very code it bundled.
    entryPoints: { main: join(ROOT, "src/cli/main.ts"), program: join(ROOT, "src/cli/program.ts") },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    // The SDK ships ES modules beside CommonJS; the ES build lets esbuild drop the commands and schemas we
    // never call (EC2's CommonJS index alone is 2 MB and takes half a second to load).
    mainFields: ["module", "main"],
    // Tells src/aws/clients.ts it is bundled, so it loads each SDK client through esbuild's require.
    define: { ORCHESTRATE_BUNDLE: "true" },
    // Bundled CommonJS (commander, js-yaml, some SDK internals) calls require(); ES modules have none.
    banner: { js: 'import { createRequire as __orchestrateRequire } from "node:module"; const require = __orchestrateRequire(import.meta.url);' },
    legalComments: "none",
    // Minified: start-up is dominated by compiling the bundle, which shrinks with it. Stack traces map back
    // to src/ with `node --enable-source-maps bin/orchestrate.mjs …` (the maps sit beside the chunks).
    minify: true,
    sourcemap: "linked",
    logLevel: "warning",
  });
  writeFileSync(join(staging, "package.json"), '{ "type": "module" }\n');
  await writeHelp(staging, helpSources(metafile, staging));
  if (keepOldChunks) {
    mkdirSync(DIST, { recursive: true });
    const files = readdirSync(staging).sort((a, b) => Number(a.startsWith("main.js")) - Number(b.startsWith("main.js")));
    for (const file of files) renameSync(join(staging, file), join(DIST, file));
    rmSync(staging, { recursive: true, force: true });
    return;
  }
  // Swap in whole so a run starting meanwhile sees the old build or the new one, never half of each.
  rmSync(DIST, { recursive: true, force: true });
  renameSync(staging, DIST);
}

/**
 * dist/help.json: the top-level `--help` as the bundled program prints it, which bin/quick-answers.mjs prints
 * without loading the program. Two widths: 80 columns (commander's width when stdout is not a terminal) and
 * the narrowest at which no line wraps (every wider terminal prints the same). Written only when it is the
 * program's output whatever the terminal: were help ever styled for colour terminals, there would be no
 * file, and the program would answer.
 */
async function writeHelp(dir, sources) {
  const { helpText } = await import(pathToFileURL(join(dir, "program.js")).href);
  const unwrapped = helpText(10_000);
  const widest = Math.max(...unwrapped.split("\n").map((line) => line.length));
  const stored = { narrow: { width: 80, text: helpText(80) }, wide: { width: widest, text: helpText(widest) } };
  const sameEverywhere = stored.wide.text === unwrapped && helpText(80, true) === stored.narrow.text && helpText(widest, true) === stored.wide.text;
  if (!sameEverywhere) {
    console.warn("build: the top-level --help depends on colour or wraps oddly: dist/help.json not written; the program answers --help itself");
    return;
  }
  writeFileSync(join(dir, "help.json"), `${JSON.stringify({ ...stored, sources })}\n`);
}

/**
 * The project's files the help text is made from: what the program entry imports statically (the commands'
 * work is imported on use, and is not part of --help), plus package.json and this build. When none is newer
 * than dist/help.json, the help is current: the launcher checks these few instead of all of src/.
 */
function helpSources(metafile, dir) {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((path) => join(ROOT, path) === join(dir, "program.js"));
  const seen = new Set();
  const inputs = new Set(["package.json", "scripts/build.mjs"]);
  const visit = (output) => {
    if (seen.has(output) || !outputs[output]) return;
    seen.add(output);
    for (const input of Object.keys(outputs[output].inputs)) if (!input.startsWith("node_modules/")) inputs.add(input);
    for (const imported of outputs[output].imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entry);
  return [...inputs].sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const started = performance.now();
  await buildCli();
  console.log(`built ${ENTRY.slice(ROOT.length + 1)} in ${Math.round(performance.now() - started)} ms`);
}
