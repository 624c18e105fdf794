/**
 * `npm run bench`: how much the orchestrator adds to CloudFormation's own time, and what it costs in
 * API calls, measured against the stateful fake cloud. Synthesis is timed in real time; deploys run
 * in the fake's virtual time, so their wall times are what a user would wait, not what this takes.
 * A measurement, not a test: it prints every figure with its goal and exits 0 whether goals are met or not.
 */
import "../test/support/no-network.js"; // fake credentials, no metadata service, nothing reaches AWS
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_POLL } from "../src/orchestrator/watch.js";
import { API_MS, ENV, measureDeploys } from "./bench/deploys.js";
import { measureHotswap } from "./bench/hotswap.js";
import { measureExpress } from "./bench/express.js";
import { measureScale } from "./bench/scale.js";
import { measureStartup } from "./bench/startup.js";
import { measureSynthesis } from "./bench/synthesis.js";
import { renderTable, type Section } from "./bench/table.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function machine(): string {
  const model = /model name\s*:\s*(.+)/.exec(safeRead("/proc/cpuinfo"))?.[1] ?? cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} CPU(s), ${model.trim()}, Node ${process.version}, ${process.platform}/${process.arch}`;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`orchestrator bench — ${new Date().toISOString().slice(0, 10)} — ${machine()}`);
  console.log(
    `fake cloud: ${API_MS} ms per API call, resource times as observed in AWS (NAT gateway 105 s, load balancer 190 s, ECS service 180 s, …), ` +
      `change sets 3 s, certificate validation 60 s after its CNAME is in sync; environment ${ENV}; engine polls events every ${DEFAULT_POLL.eventsEveryMs / 1000} s\n`,
  );
  // Start-up first: its real-time figures are the ones the other sections' load would disturb.
  const sections: Section[] = [await measureStartup(root), measureSynthesis(root), ...(await measureDeploys()), await measureScale(), await measureHotswap(), await measureExpress()];
  console.log(renderTable(sections));
  console.log(`\nbench ran in ${((performance.now() - started) / 1000).toFixed(1)} s of real time`);
}

main().catch((error: unknown) => {
  // A missed goal exits 0; a bench that could not measure does not.
  console.error(`bench failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exitCode = 1;
});
