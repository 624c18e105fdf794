/**
 * Deploy figures in virtual time against the fake cloud: a fresh deploy against its critical path
 * and against a sequential one, the polling it cost, then a no-op redeploy.
 */
import { stackName } from "../../src/env/model.js";
import type { DeployReport } from "../../src/orchestrator/deploy/deploy.js";
import { succeeded } from "../../src/orchestrator/results.js";
import { DEFAULT_POLL } from "../../src/orchestrator/watch.js";
import { STACKS } from "../../src/templates/index.js";
import { deployHarness, type Harness } from "../../test/support/deploy-harness.js";
import { realisticResourceMs, type FakeCloudOptions } from "../../test/support/fake-cloud.js";
import { callsAbout, criticalPath, eventLags, lastOperation, nodeDurations, type Span } from "./measure.js";
import { median, ratio, seconds, type Section } from "./table.js";

export const API_MS = 40;
/** Resource times as observed in a real account (unscaled: virtual time costs nothing), CloudFormation-like call latency. */
export const BENCH_CLOUD: FakeCloudOptions = { latency: { apiMs: API_MS, resourceMs: realisticResourceMs } };
export const ENV = "dev";

const DESCRIBES = ["DescribeStackEvents", "DescribeStacks"];

export function assertSucceeded(report: DeployReport, what: string): void {
  const bad = [...report.results].filter(([, r]) => !succeeded(r));
  if (bad.length > 0) throw new Error(`${what} did not succeed, so its figures would mean nothing: ${bad.map(([n, r]) => `${n} ${r.kind}`).join(", ")}`);
}

async function timed(h: Harness, run: () => Promise<DeployReport>, what: string): Promise<{ wallMs: number; started: number; report: DeployReport }> {
  const started = h.cloud.clock.now();
  const report = await run();
  assertSucceeded(report, what);
  return { wallMs: h.cloud.clock.now() - started, started, report };
}

export async function measureDeploys(): Promise<Section[]> {
  // One fake cloud at a time: each one mocks the SDK clients for the whole process.
  const h = deployHarness(BENCH_CLOUD);
  let sections: { fresh: { wallMs: number; started: number }; polling: Section; noop: Section };
  try {
    const fresh = await timed(h, () => h.deploy(ENV), "the fresh deploy");
    sections = { fresh, polling: pollingSection(h, fresh.started), noop: await noopSection(h) };
  } finally {
    h.cloud.restore();
  }
  const sequential = deployHarness(BENCH_CLOUD);
  try {
    const serial = await timed(sequential, () => sequential.deploy(ENV, { concurrency: 1 }), "the sequential deploy");
    return [freshSection(h, sections.fresh, serial.wallMs), sections.noop, sections.polling];
  } finally {
    sequential.cloud.restore();
  }
}

function freshSection(h: Harness, fresh: { wallMs: number; started: number }, sequentialMs: number): Section {
  const durations = nodeDurations(h.cloud, h.environment(ENV), fresh.started);
  const ideal = criticalPath(durations);
  const overMeasured = fresh.wallMs / ideal.ms;
  const chain = ideal.chain.map((id) => `${id} ${seconds(durations.get(id)!, 0)}`).join(" → ");
  return {
    title: `2. Fresh deploy of ${ENV} (virtual time: what a user would wait)`,
    rows: [
      { figure: "wall time, preflight to last stack", measured: seconds(fresh.wallMs), goal: "", pass: undefined },
      { figure: "ideal: critical path of CloudFormation's own durations", measured: seconds(ideal.ms), goal: "", pass: undefined },
      { figure: "measured / ideal", measured: ratio(overMeasured), goal: "≤ 1.10", pass: overMeasured <= 1.1 },
      { figure: "sequential deploy (--concurrency 1, the CDK CLI default)", measured: seconds(sequentialMs), goal: "", pass: undefined },
      { figure: "measured / sequential", measured: `${ratio(fresh.wallMs / sequentialMs)} (sequential is ×${(sequentialMs / fresh.wallMs).toFixed(2)})`, goal: "", pass: undefined },
    ],
    notes: [
      `critical path: ${chain}`,
      `node durations: ${[...durations].map(([id, ms]) => `${id} ${seconds(ms, 0)}`).join(", ")}`,
      `overhead on the path: ${seconds(fresh.wallMs - ideal.ms)} (preflight, change sets computed and polled, end of each operation noticed, post-stack steps)`,
    ],
  };
}

/** Describe calls per stack-minute while each stack's operation ran, and how late its events were shown. */
function pollingSection(h: Harness, since: number): Section {
  const env = h.environment(ENV);
  const perStack = STACKS.map((definition) => {
    const view = h.cloud.stack(stackName(env, definition.id))!;
    const span = lastOperation(view)!;
    // The engine notices the end on its next look, so the window runs one interval past the last event.
    const window: Span = { start: span.start, end: span.end + DEFAULT_POLL.eventsEveryMs };
    const calls = callsAbout(h.cloud, view, { commands: DESCRIBES, within: window }).length;
    const minutes = (span.end - span.start) / 60_000;
    return { id: definition.id, minutes, calls, perMinute: calls / minutes, lags: eventLags(h.events, definition.id, view, since) };
  });
  const longest = perStack.reduce((a, b) => (b.minutes > a.minutes ? b : a));
  const long = perStack.filter((s) => s.minutes >= 1);
  const worstRate = Math.max(...long.map((s) => s.perMinute));
  const lags = perStack.flatMap((s) => s.lags);
  const maxLag = Math.max(...lags);
  return {
    title: "4. Polling cost during stack operations (same fresh deploy)",
    rows: [
      { figure: `describe calls per stack-minute, longest operation (${longest.id}, ${longest.minutes.toFixed(1)} min)`, measured: `${longest.perMinute.toFixed(1)} (${(longest.perMinute / 60).toFixed(2)}/s)`, goal: "< 60 (1/s)", pass: longest.perMinute < 60 },
      { figure: "  worst stack with an operation of 1 min or more", measured: `${worstRate.toFixed(1)} (${(worstRate / 60).toFixed(2)}/s)`, goal: "< 60 (1/s)", pass: worstRate < 60 },
      { figure: `event shown after it happened: median / max (${lags.length} events)`, measured: `${seconds(median(lags), 2)} / ${seconds(maxLag, 2)}`, goal: "max ≤ 2 s", pass: maxLag <= 2_000 },
    ],
    notes: [`per stack: ${perStack.map((s) => `${s.id} ${s.calls} calls in ${s.minutes.toFixed(1)} min`).join(", ")}`],
  };
}

async function noopSection(h: Harness): Promise<Section> {
  const env = h.environment(ENV);
  const before = h.cloud.calls.length;
  const { wallMs, report } = await timed(h, () => h.deploy(ENV), "the no-op redeploy");
  const calls = h.cloud.calls.slice(before);
  const unchanged = STACKS.filter((d) => report.results.get(d.id)?.kind === "unchanged").length;
  const changeSets = calls.filter((c) => c.command === "CreateChangeSet").length;
  const perStack = STACKS.map((d) => {
    const view = h.cloud.stack(stackName(env, d.id))!;
    return { id: d.id, calls: callsAbout(h.cloud, view).filter((c) => c.at >= calls[0]!.at) };
  });
  const maxReads = Math.max(...perStack.map((s) => s.calls.length));
  const byService = new Map<string, number>();
  for (const c of calls) byService.set(c.service, (byService.get(c.service) ?? 0) + 1);
  const roundTrips = wallMs / API_MS;
  // Identity, hosted zone, repository, image; then per graph layer: DescribeStacks, GetTemplate, one post-stack step.
  const goalTrips = 4 + 3 * 3;
  return {
    title: `3. No-op redeploy of ${ENV}`,
    rows: [
      { figure: "stacks found unchanged", measured: `${unchanged}/${STACKS.length}`, goal: `${STACKS.length}/${STACKS.length}`, pass: unchanged === STACKS.length },
      { figure: "change sets created", measured: String(changeSets), goal: "0", pass: changeSets === 0 },
      { figure: "CloudFormation calls per stack (max)", measured: String(maxReads), goal: "≤ 3 reads", pass: maxReads <= 3 && perStack.every((s) => s.calls.every((c) => /^(Describe|Get|List)/.test(c.command))) },
      { figure: "API calls in all (every service)", measured: String(calls.length), goal: "", pass: undefined },
      { figure: `wall time, in ${API_MS} ms round trips`, measured: `${seconds(wallMs, 2)} = ${roundTrips.toFixed(0)}`, goal: `≤ ${goalTrips} round trips`, pass: roundTrips <= goalTrips },
    ],
    notes: [
      `per stack: ${perStack.map((s) => `${s.id} ${s.calls.map((c) => c.command).join("+")}`).join(", ")}`,
      `by service: ${[...byService].map(([s, n]) => `${s} ${n}`).join(", ")}`,
      `goal: preflight's 4 sequential reads, then per graph layer (3) DescribeStacks, GetTemplate and one post-stack step`,
      `critical path of calls: ${criticalCalls(calls)}`,
    ],
  };
}

/** Calls grouped by the virtual time they were made: each group is one round trip on the way. */
function criticalCalls(calls: readonly { at: number; command: string }[]): string {
  const groups = new Map<number, string[]>();
  for (const c of calls) groups.set(c.at, [...(groups.get(c.at) ?? []), c.command]);
  return [...groups.values()].map((g) => (g.length > 1 ? `[${[...new Set(g)].join("|")}]` : g[0])).join(" → ");
}
