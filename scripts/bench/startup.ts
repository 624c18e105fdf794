/**
 * Start-up figures in real time: the shipped bundle (`node bin/orchestrate.mjs`, what `npx orchestrate`
 * and `npm run orchestrate` run) beside the way it ran before (`node --import tsx src/cli/main.ts`).
 * Each figure is the median of several runs of a fresh process; the machine's load is printed with them,
 * because on a shared machine real time is noisy.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { deployableConfigDir, deployHarness } from "../../test/support/deploy-harness.js";
import { assertSucceeded, ENV } from "./deploys.js";
import { startLocalEndpoint, type LocalEndpoint } from "./local-endpoint.js";
import { median, seconds, type Row, type Section } from "./table.js";

const RUNS = 5;

interface Way {
  readonly label: string;
  readonly argv: readonly string[];
}

const ways = (root: string): Way[] => [
  { label: "bundle", argv: [join(root, "bin/orchestrate.mjs")] },
  { label: "tsx (before)", argv: ["--import", "tsx", join(root, "src/cli/main.ts")] },
];

/**
 * GNU time, where present, gives the child's CPU time (user + system): on a machine shared with other work
 * it moves far less than wall time, so it is the figure to compare between runs and between machines.
 */
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

interface Run {
  ms: number;
  cpuMs?: number;
  code: number | null;
  stderr: string;
  started: number;
}

/** Spawns node (under GNU time when there is one); resolves with wall time, CPU time and exit code. */
function run(root: string, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const cpuFile = join(tmpdir(), `bench-cpu-${process.pid}`);
  const [command, args] = GNU_TIME ? [GNU_TIME, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...argv]] : [process.execPath, [...argv]];
  return new Promise((done, failed) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", failed);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      const cpu = GNU_TIME ? readFileSync(cpuFile, "utf8").trim().split(/\s+/).slice(-2).map(Number) : [];
      done({ ms, cpuMs: cpu.length === 2 ? (cpu[0]! + cpu[1]!) * 1000 : undefined, code, stderr, started });
    });
  });
}

interface Figure {
  wallMs: number;
  cpuMs?: number;
}

async function medianOf(times: number, measure: () => Promise<Run>): Promise<Figure> {
  const runs: Run[] = [];
  for (let i = 0; i < times; i += 1) runs.push(await measure());
  const cpu = runs.map((r) => r.cpuMs).filter((ms): ms is number => ms !== undefined);
  return { wallMs: median(runs.map((r) => r.ms)), cpuMs: cpu.length === runs.length ? median(cpu) : undefined };
}

async function checked(root: string, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const result = await run(root, argv, env);
  if (result.code !== 0) throw new Error(`node ${argv.join(" ")} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  return result;
}

const shown = (f: Figure) => `${seconds(f.wallMs, 2)}${f.cpuMs === undefined ? "" : ` (cpu ${seconds(f.cpuMs, 2)})`}`;

export async function measureStartup(root: string): Promise<Section> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.AWS_PROFILE;
  const out = mkdtempSync(join(tmpdir(), "bench-synth-"));
  const load = loadavg()[0]!.toFixed(2);
  const rows: Row[] = [];
  const pair = async (figure: string, goalMs: number, argv: readonly string[], measureOne = (a: readonly string[]) => checked(root, a, env)) => {
    const measured: Figure[] = [];
    for (const way of ways(root)) measured.push(await medianOf(RUNS, () => measureOne([...way.argv, ...argv])));
    const [bundle, before] = measured as [Figure, Figure];
    rows.push({ figure: `${figure} (bundle │ tsx before)`, measured: `${shown(bundle)} │ ${shown(before)}`, goal: `≤ ${seconds(goalMs, 2)}`, pass: bundle.wallMs <= goalMs });
  };
  try {
    await checked(root, [join(root, "bin/orchestrate.mjs"), "--help"], env); // rebuilds dist/ first if src/ changed (--version never looks): not a start-up figure
    const bare = await medianOf(RUNS, () => checked(root, ["-e", "0"], env));
    rows.push({ figure: "bare node start-up (node -e 0), for scale", measured: shown(bare), goal: "", pass: undefined });
    await pair("--help, node process wall", 150, ["--help"]);
    await pair("--version, node process wall", 150, ["--version"]);
    await pair("synth --all, node process wall", 300, ["synth", "--all", "--out", out]);
    const h = deployHarness();
    let endpoint: LocalEndpoint | undefined;
    try {
      assertSucceeded(await h.deploy(ENV), "the deploy that sets up the local endpoint");
      endpoint = await startLocalEndpoint(h.clients);
      const config = join(deployableConfigDir(h.cloud.account), "orchestrate.config.yaml");
      const deployArgv = ["deploy", ENV, "--config", config, "--endpoint-url", endpoint.url];
      const firstCalls: number[][] = [[], []];
      let way = 0;
      const oneDeploy = async (argv: readonly string[]) => {
        const seen = endpoint!.requests.length;
        const result = await run(root, argv, env);
        if (result.code !== 0) throw new Error(`no-op deploy exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
        const first = endpoint!.requests[seen];
        if (!first) throw new Error("the no-op deploy made no AWS call");
        firstCalls[way]!.push(first.at - result.started);
        if (firstCalls[way]!.length === RUNS) way += 1;
        return result;
      };
      await pair(`no-op deploy ${ENV} against a local endpoint, wall`, 1000, deployArgv, oneDeploy);
      const [bundleFirst, beforeFirst] = firstCalls.map(median) as [number, number];
      rows.push({ figure: "first AWS call after start (bundle │ tsx before)", measured: `${seconds(bundleFirst, 2)} │ ${seconds(beforeFirst, 2)}`, goal: "≤ 0.40 s", pass: bundleFirst <= 400 });
      const perRun = endpoint.requests.length / (2 * RUNS);
      rows.push({ figure: "HTTP requests per no-op deploy", measured: String(perRun), goal: "", pass: undefined });
    } finally {
      await endpoint?.close();
      h.cloud.restore();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return {
    title: "0. Start-up (real time, fresh node process each run)",
    rows,
    notes: [
      `median of ${RUNS} runs per figure, wall time (goal) and CPU time, user + system; load average ${load} when the section started, ${loadavg()[0]!.toFixed(2)} when it ended (2 cores shared)`,
      `bundle: node bin/orchestrate.mjs (= npx orchestrate, npm run orchestrate --); before: node --import tsx src/cli/main.ts`,
      "--version and the top-level --help are answered by bin/orchestrate.mjs itself (package.json, dist/help.json rendered by the build), without loading the bundle",
      "local endpoint: a real HTTP server on 127.0.0.1 answering from the fake cloud (scripts/bench/local-endpoint.ts), reached with --endpoint-url",
    ],
  };
}
