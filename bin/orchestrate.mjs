#!/usr/bin/env node
/**
 * The `orchestrate` command: runs the bundle in dist/ that `npm ci` built. When dist/ is missing or older
 * than src/ (a pull or an edit since), it rebuilds first: a developer never runs yesterday's code by
 * accident, and nobody has to remember a build step. Checking costs a few milliseconds of stat calls.
 * `--version` and the top-level `--help` are answered here, from package.json and dist/help.json, without
 * loading the bundle (bin/quick-answers.mjs): they must take under 0.15 s, and node alone takes 0.1.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { helpAnswer, versionAnswer } from "./quick-answers.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = join(root, "dist", "main.js");

function newestSourceMs(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    newest = Math.max(newest, item.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!existsSync(entry)) return true;
  // No src/ (an installed copy with only dist/) means there is nothing to be stale against.
  if (!existsSync(join(root, "src"))) return false;
  const build = join(root, "scripts", "build.mjs");
  const sources = Math.max(newestSourceMs(join(root, "src")), statSync(join(root, "package.json")).mtimeMs, existsSync(build) ? statSync(build).mtimeMs : 0);
  return sources > statSync(entry).mtimeMs;
}

const argv = process.argv.slice(2);
// The version is package.json's whatever the state of dist/: no staleness check needed.
const version = versionAnswer(argv, root);
if (version !== undefined) {
  process.stdout.write(version);
} else {
  // Help current with the files it came from is printed at once; otherwise the bundle, rebuilt when stale, answers.
  const help = helpAnswer(argv, process.stdout, root);
  if (help !== undefined) process.stdout.write(help);
  else {
    if (isStale()) await rebuild();
    await import(pathToFileURL(entry).href);
  }
}

async function rebuild() {
  process.stderr.write("orchestrate: building dist/ (missing or older than src/)…\n");
  try {
    const { buildCli } = await import("../scripts/build.mjs");
    await buildCli({ keepOldChunks: true });
  } catch (error) {
    process.stderr.write(`error: could not build the CLI into dist/: ${error?.message ?? error}\nRun \`npm ci\` (it builds dist/), or \`npm run build\`.\n`);
    process.exit(1);
  }
}
