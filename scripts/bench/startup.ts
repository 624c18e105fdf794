/**
 * Start-up figures in real time: the shipped bundle (`node bin/orchestrate.mjs`, what `npx orchestrate`
 * and `npm run orchestrate` run) beside the way it ran before (`node --import tsx src/cli/main.ts`).
 * Each figure is the median of several runs of a fresh process; the machine's load is printed with them,
 * because on a shared machine real time is noisy.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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

/** Spawns node with the process's own credentials-free environment; resolves with the wall time and exit code. */
function run(root: string, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null; stderr: string; started: number }> {
  return new Promise((done, failed) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", failed);
    child.on("close", (code) => done({ ms: performance.now() - started, code, stderr, started }));
  });
}

async function medianOf(times: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < times; i += 1) values.push(await measure());
  return median(values);
}

async function wall(root: string, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const result = await run(root, argv, env);
  if (result.code !== 0) throw new Error(`node ${argv.join(" ")} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  return result.ms;
}

export async function measureStartup(root: string): Promise<Section> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.AWS_PROFILE;
  const out = mkdtempSync(join(tmpdir(), "bench-synth-"));
  const load = loadavg()[0]!.toFixed(2);
  const rows: Row[] = [];
  const pair = async (figure: string, goalMs: number, argv: readonly string[], measureOne = (a: readonly string[]) => wall(root, a, env)) => {
    const measured: number[] = [];
    for (const way of ways(root)) measured.push(await medianOf(RUNS, () => measureOne([...way.argv, ...argv])));
    rows.push({ figure: `${figure} (bundle │ tsx before)`, measured: `${seconds(measured[0]!, 2)} │ ${seconds(measured[1]!, 2)}`, goal: `≤ ${seconds(goalMs, 2)}`, pass: measured[0]! <= goalMs });
  };
  try {
    const bare = await medianOf(RUNS, () => wall(root, ["-e", "0"], env));
    rows.push({ figure: "bare node start-up (node -e 0), for scale", measured: seconds(bare, 2), goal: "", pass: undefined });
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
        return result.ms;
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
      `median of ${RUNS} runs per figure; load average ${load} when the section started, ${loadavg()[0]!.toFixed(2)} when it ended (2 cores shared)`,
      `bundle: node bin/orchestrate.mjs (= npx orchestrate, npm run orchestrate --); before: node --import tsx src/cli/main.ts`,
      "local endpoint: a real HTTP server on 127.0.0.1 answering from the fake cloud (scripts/bench/local-endpoint.ts), reached with --endpoint-url",
    ],
  };
}
