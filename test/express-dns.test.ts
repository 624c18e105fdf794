import { afterEach, describe, expect, it, vi } from "vitest";
import { readinessOf } from "../src/orchestrator/express/readiness.js";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, FAST_RETRY, type Harness } from "./support/deploy-harness.js";

const DOMAIN = "alert-engine-domain-dev";
const API = "api.dev-alert-engine.totogicore.com";

describe("deploy --express: the domain is done only when Route 53 serves the API records", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  const start = () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    return cliHarness(h, writeConfig(h.cloud.account));
  };
  const recordDone = (logicalId: string) => h.cloud.stack(DOMAIN)!.events.find((e) => e.logicalId === logicalId && e.status === "CREATE_COMPLETE")!.at;
  const answers = () => h.cloud.callsOf("TestDNSAnswer").map((c) => c.input as { HostedZoneId?: string; RecordName?: string; RecordType?: string });

  it("records in the zone but not yet served keep the deploy waiting; once Route 53's name servers answer them, the deploy ends", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    const ended = h.cloud.clock.now();
    const servedA = h.cloud.recordServedSince(API, "A")!;
    const servedAaaa = h.cloud.recordServedSince(API, "AAAA")!;
    // Express completed the record sets while their change was still PENDING: the wait was the orchestrator's.
    expect(servedAaaa).toBeGreaterThan(recordDone("ApiRecordAAAA") + 5_000);
    expect(servedA).toBeGreaterThan(recordDone("ApiRecordA") + 5_000);
    expect(ended).toBeGreaterThanOrEqual(Math.max(servedA, servedAaaa));
    // Noticed within one poll (2 s) of being served.
    expect(ended - Math.max(servedA, servedAaaa)).toBeLessThanOrEqual(3_000);
    // Asked of Route 53's own name servers, for this zone, both types, until they answered.
    const asked = answers();
    expect(asked.length).toBeGreaterThan(2);
    for (const input of asked) expect(input).toMatchObject({ HostedZoneId: h.hostedZoneId, RecordName: API });
    expect(new Set(asked.map((i) => i.RecordType))).toEqual(new Set(["A", "AAAA"]));
    const out = cli.lastOutput();
    expect(out).toMatch(/domain\s+waiting for Route 53 to serve the API records/);
    expect(out).toMatch(new RegExp(`${API.replace(/\./g, "\\.")} served by Route 53 \\(ns-\\S+\\): A \\d[\\d. ]+; AAAA [\\da-f:][\\da-f: ]+`));
  });

  it("records Route 53 never serves within the bound fail the deploy (exit 1) with the cause; the stack itself stays complete", async () => {
    const cli = start();
    h.cloud.holdDnsChanges(API);
    const started = h.cloud.clock.now();
    expect(await cli.run(["deploy", "dev", "--express", "--rollout-timeout", "3m"])).toBe(1);
    // The name has no A/AAAA served, but exists (the certificate's validation CNAME is below it): NOERROR, no data.
    expect(h.cloud.clock.now() - started).toBeLessThan(10 * 60_000);
    expect(h.cloud.stack(DOMAIN)!.status).toBe("CREATE_COMPLETE");
    const out = cli.lastOutput();
    expect(out).toMatch(/^domain failed: ApiRecordA \(AWS::Route53::RecordSet\): /m);
    expect(out).toMatch(new RegExp(`Route 53's name servers do not serve the A and AAAA records of ${API.replace(/\./g, "\\.")} \\(TestDNSAnswer: NOERROR, no answer\\) after 3m\\d\\ds`));
    expect(out).toContain("--rollout-timeout");
  });

  it("Ctrl-C while waiting for the records to be served stops asking at once", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    h.cloud.holdDnsChanges(API);
    const interrupt = new AbortController();
    let interruptedAt = 0;
    const emit = (event: (typeof h.events)[number]) => {
      h.events.push(event);
      if (!interruptedAt && event.type === "node-progress" && event.node === "domain" && /serve the API records/.test(event.status ?? "")) {
        interruptedAt = event.at;
        interrupt.abort(new Error("Ctrl-C"));
      }
    };
    const readiness = readinessOf({ env, clients: h.clients, retry: FAST_RETRY, clock: h.cloud.clock, emit, hostedZoneId: h.hostedZoneId, timeoutMs: 10 * 60_000, logsCommand: "npm run orchestrate -- logs dev" });
    await h.deploy("dev", { express: true, readiness, signal: interrupt.signal, emit });
    expect(interruptedAt).toBeGreaterThan(0);
    await h.cloud.clock.sleep(10 * 60_000);
    expect(h.cloud.callsOf("TestDNSAnswer").filter((c) => c.at > interruptedAt)).toEqual([]);
  });
});

describe("the fake's Route 53 as CloudFormation's standard mode meets it", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("a record set completes only once its change is INSYNC (served), so a standard deploy needs no look of its own", async () => {
    h = deployHarness();
    const report = await h.deploy("dev");
    expect(report.results.get("domain")?.kind).toBe("deployed");
    const done = (id: string) => h.cloud.stack(DOMAIN)!.events.find((e) => e.logicalId === id && e.status === "CREATE_COMPLETE")!.at;
    expect(done("ApiRecordA")).toBeGreaterThanOrEqual(h.cloud.recordServedSince(API, "A")!);
    expect(done("ApiRecordAAAA")).toBeGreaterThanOrEqual(h.cloud.recordServedSince(API, "AAAA")!);
    expect(h.cloud.callsOf("TestDNSAnswer")).toEqual([]);
  });

  it("new records are served a realistic while after their change (Route 53: INSYNC generally within 60 s)", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const started = h.cloud.stack(DOMAIN)!.events.find((e) => e.logicalId === "ApiRecordA" && e.status === "CREATE_IN_PROGRESS")!.at;
    const served = h.cloud.recordServedSince(API, "A")! - started;
    expect(served).toBeGreaterThanOrEqual(20_000);
    expect(served).toBeLessThanOrEqual(60_000);
  });
});
