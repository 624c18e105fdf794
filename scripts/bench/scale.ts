/**
 * Scale: 1, 5 and 20 environments deployed at once by one process against one cloud, each under
 * --concurrency 4 (the width of the graph). The environments are independent, so the wall time
 * should stay flat and the API calls grow with the number of environments, not faster.
 */
import { performance } from "node:perf_hooks";
import { deployHarness } from "../../test/support/deploy-harness.js";
import { assertSucceeded, BENCH_CLOUD, ENV } from "./deploys.js";
import { seconds, type Row, type Section } from "./table.js";

const COUNTS = [1, 5, 20] as const;
const CONCURRENCY = 4;

interface Point {
  readonly environments: number;
  readonly wallMs: number;
  readonly calls: number;
  readonly realMs: number;
  /** The busiest virtual second, account-wide. */
  readonly peakPerSecond: number;
}

async function deployMany(environments: number): Promise<Point> {
  const h = deployHarness(BENCH_CLOUD);
  try {
    // Distinct projects give distinct stacks, domains, buckets and repositories in one account.
    const envs = Array.from({ length: environments }, (_, i) => h.environment(ENV, { PROJECT_NAME: `alert-engine-e${i + 1}` }));
    const realStart = performance.now();
    const started = h.cloud.clock.now();
    const reports = await Promise.all(envs.map((env) => h.deploy(ENV, { env, concurrency: CONCURRENCY })));
    reports.forEach((report, i) => assertSucceeded(report, `environment ${i + 1} of ${environments}`));
    const perSecond = new Map<number, number>();
    for (const call of h.cloud.calls) perSecond.set(Math.floor(call.at / 1000), (perSecond.get(Math.floor(call.at / 1000)) ?? 0) + 1);
    const peakPerSecond = Math.max(...perSecond.values());
    return { environments, wallMs: h.cloud.clock.now() - started, calls: h.cloud.calls.length, realMs: performance.now() - realStart, peakPerSecond };
  } finally {
    h.cloud.restore();
  }
}

export async function measureScale(): Promise<Section> {
  const points: Point[] = [];
  for (const n of COUNTS) points.push(await deployMany(n));
  const base = points[0]!;
  const rows: Row[] = points.map((p) => {
    const wallGrowth = p.wallMs / base.wallMs;
    const callGrowth = p.calls / p.environments / (base.calls / base.environments);
    const measured = `${seconds(p.wallMs, 0)}, ${p.calls} calls (${(p.calls / p.environments).toFixed(0)}/env)`;
    if (p === base) return { figure: `1 environment (5 stacks + certificate)`, measured, goal: "baseline", pass: undefined };
    return {
      figure: `${p.environments} environments (${p.environments * 5} stacks): wall ×${wallGrowth.toFixed(2)}, calls/env ×${callGrowth.toFixed(2)}`,
      measured,
      goal: "both ≤ ×1.10 of 1 env",
      pass: wallGrowth <= 1.1 && callGrowth <= 1.1,
    };
  });
  return {
    title: `5. Scale: N environments at once, each under --concurrency ${CONCURRENCY}`,
    rows,
    notes: [
      `work grows ×N; the environments are independent, so wall time should stay flat and calls grow ×N`,
      `real time spent by engine + fake: ${points.map((p) => `${p.environments} env ${(p.realMs / 1000).toFixed(2)} s`).join(", ")}`,
      `busiest second, account-wide: ${points.map((p) => `${p.environments} env ${p.peakPerSecond} calls`).join(", ")} (the fake has no account-wide rate limit; in AWS part of such a burst would be throttled and retried)`,
    ],
  };
}
