#!/usr/bin/env node
/**
 * The `orchestrate` command: runs the bundle in dist/ that `npm ci` built. When dist/ is missing or older
 * than src/ (a pull or an edit since), it rebuilds first: a developer never runs yesterday's code by
 * accident, and nobody has to remember a build step. Checking costs a few milliseconds of stat calls.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

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
  const sources = Math.max(newestSourceMs(join(root, "src")), statSync(join(root, "package.json")).mtimeMs);
  return sources > statSync(entry).mtimeMs;
}

if (isStale()) {
  process.stderr.write("orchestrate: building dist/ (missing or older than src/)…\n");
  try {
    const { buildCli } = await import("../scripts/build.mjs");
    await buildCli({ keepOldChunks: true });
  } catch (error) {
    process.stderr.write(`error: could not build the CLI into dist/: ${error?.message ?? error}\nRun \`npm ci\` (it builds dist/), or \`npm run build\`.\n`);
    process.exit(1);
  }
}
await import(pathToFileURL(entry).href);
