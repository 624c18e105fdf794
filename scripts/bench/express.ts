/**
 * A fresh deploy of dev in the standard mode against one with `--express` (readiness included: done only once the
 * service's rollout has completed with healthy targets and Route 53 serves the API records), in virtual time against
 * the fake's model of express mode: each slow resource completes once its configuration call returns
 * (realisticConfiguredMs) and ECS rolls the service out over the fake's clock as it does in either mode.
 */
import { readinessOf, READINESS_TIMEOUT_MS } from "../../src/orchestrator/express/readiness.js";
import { deployHarness, FAST_RETRY, type Harness } from "../../test/support/deploy-harness.js";
import { realisticConfiguredMs, realisticResourceMs, type FakeCloudOptions } from "../../test/support/fake-cloud.js";
import { assertSucceeded, API_MS, ENV } from "./deploys.js";
import { seconds, type Section } from "./table.js";

const EXPRESS_CLOUD: FakeCloudOptions = {
  latency: { apiMs: API_MS, resourceMs: realisticResourceMs, configuredMs: (type) => realisticConfiguredMs(type, realisticResourceMs) },
};

async function freshDeploy(express: boolean): Promise<{ wallMs: number; certificateMs: number; readyNote?: string }> {
  // One fake cloud at a time: each one mocks the SDK clients for the whole process.
  const h: Harness = deployHarness(EXPRESS_CLOUD);
  try {
    const env = h.environment(ENV);
    const started = h.cloud.clock.now();
    const report = await h.deploy(ENV, express ? { express: true, readiness: readinessFor(h, env) } : {});
    assertSucceeded(report, express ? "the express deploy" : "the standard deploy");
    const certificate = report.results.get("certificate");
    const backend = report.results.get("backend");
    const readyNote = backend && "notes" in backend ? backend.notes?.find((n) => n.startsWith("ready after")) : undefined;
    return { wallMs: h.cloud.clock.now() - started, certificateMs: certificate && "durationMs" in certificate ? certificate.durationMs : 0, readyNote };
  } finally {
    h.cloud.restore();
  }
}

function readinessFor(h: Harness, env: ReturnType<Harness["environment"]>) {
  return readinessOf({ env, clients: h.clients, retry: FAST_RETRY, clock: h.cloud.clock, emit: (e) => h.events.push(e), hostedZoneId: h.hostedZoneId, timeoutMs: READINESS_TIMEOUT_MS, logsCommand: `npm run orchestrate -- logs ${ENV}` });
}

export async function measureExpress(): Promise<Section> {
  const standard = await freshDeploy(false);
  const express = await freshDeploy(true);
  return {
    title: `7. Fresh deploy of ${ENV}: standard vs --express (with readiness; virtual time)`,
    rows: [
      { figure: "standard: wall time", measured: seconds(standard.wallMs), goal: "", pass: undefined },
      { figure: "--express, done when the service is ready: wall time", measured: seconds(express.wallMs), goal: "", pass: undefined },
      { figure: "--express / standard", measured: `${(express.wallMs / standard.wallMs).toFixed(3)} (×${(standard.wallMs / express.wallMs).toFixed(2)} faster)`, goal: "", pass: undefined },
      { figure: "certificate (request to issue noticed), in the express run", measured: seconds(express.certificateMs), goal: "", pass: undefined },
    ],
    notes: [`express readiness: ${express.readyNote ?? "(no readiness note)"}`],
  };
}
