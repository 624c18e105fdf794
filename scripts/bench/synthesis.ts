/** Synthesis in real time: the 15 templates built in process, and `orchestrate synth dev` as a whole process. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ENVIRONMENT_NAMES } from "../../src/env/model.js";
import { loadEnvironments } from "../../src/env/load.js";
import { synthesizeEnvironment } from "../../src/templates/index.js";
import { renderTemplate } from "../../src/templates/render.js";
import { median, type Section } from "./table.js";

const IN_PROCESS_RUNS = 60;
const PROCESS_RUNS = 5;

/** Builds and renders every template of every environment; returns the number of templates. */
function buildAll(): number {
  let count = 0;
  // A config file in the working directory would change the figures; the defaults are what is measured.
  for (const env of loadEnvironments(ENVIRONMENT_NAMES, { cwd: tmpdir(), vars: {} })) {
    for (const { template } of synthesizeEnvironment(env)) {
      renderTemplate(template);
      count += 1;
    }
  }
  return count;
}

function timeOnce(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** `node bin/orchestrate.mjs synth dev` (what `npx orchestrate synth dev` and `npm run orchestrate -- synth dev` run, without npm's own start-up). */
function synthProcess(root: string, out: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ["bin/orchestrate.mjs", "synth", "dev", "--out", out], { cwd: root, encoding: "utf8" });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`orchestrate synth dev failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

export function measureSynthesis(root: string): Section {
  let templates = 0;
  const first = timeOnce(() => (templates = buildAll()));
  const runs = Array.from({ length: IN_PROCESS_RUNS }, () => timeOnce(buildAll));
  const inProcess = median(runs);

  const out = mkdtempSync(join(tmpdir(), "bench-synth-"));
  try {
    synthProcess(root, out); // builds dist/ if src/ changed since, as the first run after an edit would
    const processRuns = Array.from({ length: PROCESS_RUNS }, () => synthProcess(root, out));
    const whole = median(processRuns);
    return {
      title: "1. Synthesis (real time)",
      rows: [
        { figure: `${templates} templates built and rendered, in process (median of ${IN_PROCESS_RUNS})`, measured: `${inProcess.toFixed(1)} ms`, goal: "< 50 ms", pass: inProcess < 50 },
        { figure: "  first build in a fresh process (module warm-up)", measured: `${first.toFixed(1)} ms`, goal: "", pass: undefined },
        { figure: `\`orchestrate synth dev\`, whole process (median of ${PROCESS_RUNS})`, measured: `${(whole / 1000).toFixed(2)} s`, goal: "< 1 s", pass: whole < 1000 },
      ],
      notes: [`process runs: ${processRuns.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s (node ${process.version}, the bundle in dist/, writes 5 files)`],
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
