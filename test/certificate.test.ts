import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClients, type AwsClients } from "../src/aws/clients.js";
import { loadEnvironment } from "../src/env/load.js";
import type { Environment } from "../src/env/model.js";
import { elapsed } from "../src/duration.js";
import { certificateRunner, removeCertificate } from "../src/orchestrator/deploy/certificate.js";
import { duration } from "../src/render/describe.js";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const RETRY = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 };
const DOMAIN = "api.dev-alert-engine.totogicore.com";
const MINUTE = 60_000;

let cloud: FakeCloud;
let clients: AwsClients;
let env: Environment;
let zoneId: string;
let events: EngineEvent[];

beforeEach(() => {
  cloud = createFakeCloud();
  clients = createClients({ region: "us-east-2" });
  env = loadEnvironment("dev", { vars: {}, cwd: "/nonexistent" });
  zoneId = cloud.putHostedZone("totogicore.com").id.replace("/hostedzone/", "");
  events = [];
});
afterEach(() => cloud.restore());

function runner(options: { timeoutMs?: number; pollMs?: number; emit?: (e: EngineEvent) => void } = {}) {
  return certificateRunner({
    env,
    clients,
    retry: RETRY,
    clock: cloud.clock,
    emit: options.emit ?? ((e) => events.push(e)),
    hostedZoneId: zoneId,
    timeoutMs: options.timeoutMs ?? 45 * MINUTE,
    pollMs: options.pollMs ?? 15_000,
  });
}

const cnames = () => cloud.records("totogicore.com").filter((r) => r.Type === "CNAME");
const messages = () => events.flatMap((e) => (e.type === "node-message" ? [e.text] : []));
/** As a renderer words them at the moment of the event (a live view ticks the wait on from there). */
const progress = () => events.flatMap((e) => (e.type === "node-progress" ? [`${e.status}  ${e.waitingSince !== undefined ? `waiting ${elapsed(e.at - e.waitingSince)} ` : ""}${e.current}`] : []));

describe("certificate: request, record, wait", () => {
  it("requests a tagged DNS certificate, upserts its CNAME and finishes once ACM issues it", async () => {
    const start = cloud.clock.now();
    const result = await runner()();

    const [certificate] = cloud.certificates();
    expect(certificate).toMatchObject({ domainName: DOMAIN, status: "ISSUED", region: "us-east-2" });
    expect(certificate!.tags).toEqual(expect.arrayContaining([{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: "dev" }]));
    expect(result).toMatchObject({ kind: "deployed", action: "create", outputs: { CertificateArn: certificate!.arn } });

    expect(cloud.callsOf("RequestCertificate")).toHaveLength(1);
    expect(cloud.callsOf("RequestCertificate")[0]!.input).toMatchObject({ DomainName: DOMAIN, ValidationMethod: "DNS" });
    expect(cloud.callsOf("ChangeResourceRecordSets")).toHaveLength(1);
    expect(cnames()).toHaveLength(1);
    expect(cnames()[0]!.Name).toMatch(new RegExp(`^_[0-9a-f]+\\.${DOMAIN.replace(/\./g, "\\.")}\\.$`));
    expect(cnames()[0]!.ResourceRecords?.[0]?.Value).toMatch(/\.acm-validations\.aws\.$/);

    // First the wait for ACM to name the record, then the wait on the record itself, with the time waited.
    expect(progress()[0]).toBe("PENDING_VALIDATION  waiting 0s for ACM to name the validation record");
    expect(progress()).toContain(`PENDING_VALIDATION  waiting 1m00s for CNAME ${cnames()[0]!.Name}`);
    expect(messages().some((m) => m.startsWith(`validation record ${cnames()[0]!.Name} CNAME`))).toBe(true);
    // Issued ~95 s after the request in the fake (the record named after 5 s, served 30 s later, noticed by ACM
    // 60 s after that); the poll sees it at most one interval later.
    expect(cloud.clock.now() - start).toBeLessThanOrEqual(120_000);
    expect(messages().some((m) => m.includes("delegated"))).toBe(false);
  });

  it("reuses an issued certificate: no request, no DNS change, unchanged", async () => {
    const first = await runner()();
    const callsBefore = cloud.calls.length;
    const again = await runner()();
    expect(again).toMatchObject({ kind: "unchanged", outputs: first.kind === "deployed" ? first.outputs : {} });
    const mutating = cloud.calls.slice(callsBefore).filter((c) => cloud.mutatingCalls().includes(c));
    expect(mutating).toEqual([]);
    expect(cloud.certificates()).toHaveLength(1);
  });

  it("puts back the validation record of an issued certificate when it has gone (renewal needs it)", async () => {
    await runner()();
    const record = cnames()[0]!;
    const { Route53Client, ChangeResourceRecordSetsCommand } = await import("@aws-sdk/client-route-53");
    await new Route53Client({ region: "us-east-2" }).send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: "DELETE", ResourceRecordSet: record }] } }),
    );
    expect(cnames()).toHaveLength(0);
    const again = await runner()();
    expect(again.kind).toBe("unchanged");
    expect(again.kind === "unchanged" && again.notes?.[0]).toContain("restored validation record");
    expect(cnames()).toHaveLength(1);
  });

  it("ignores a certificate for the same name without the environment's tags", async () => {
    const { ACMClient, RequestCertificateCommand } = await import("@aws-sdk/client-acm");
    await new ACMClient({ region: "us-east-2" }).send(new RequestCertificateCommand({ DomainName: DOMAIN, ValidationMethod: "DNS" }));
    const result = await runner()();
    expect(result.kind).toBe("deployed");
    expect(cloud.callsOf("RequestCertificate")).toHaveLength(2);
  });

  it("shares one run between the node and a consumer that asks for the ARN", async () => {
    const run = runner();
    const [a, b] = await Promise.all([run(), run()]);
    expect(a).toBe(b);
    expect(cloud.callsOf("RequestCertificate")).toHaveLength(1);
  });
});

describe("certificate: when it does not validate", () => {
  it("gives up at --cert-timeout with a message naming the record and the delegation", async () => {
    cloud.neverValidate();
    const start = cloud.clock.now();
    const result = await runner({ timeoutMs: 20 * MINUTE })();
    const waited = cloud.clock.now() - start;
    expect(waited).toBeGreaterThanOrEqual(20 * MINUTE);
    expect(waited).toBeLessThan(21 * MINUTE);
    expect(result.kind).toBe("failed");
    const message = result.kind === "failed" ? result.message : "";
    expect(message).toContain(`still PENDING_VALIDATION after 20m00s (--cert-timeout)`);
    expect(message).toContain(`CNAME ${cnames()[0]!.Name}`);
    expect(message).toContain(`delegated to hosted zone ${zoneId}`);
    expect(message).toContain("the pending certificate is reused");
  });

  it("after five minutes pending, says once that the zone's delegation may be wrong", async () => {
    cloud.neverValidate();
    const start = cloud.clock.now();
    await runner({ timeoutMs: 20 * MINUTE })();
    const hints = events.flatMap((e) => (e.type === "node-message" && e.text.includes("may not be delegated") ? [e] : []));
    expect(hints).toHaveLength(1);
    expect(hints[0]!.at - start).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(hints[0]!.at - start).toBeLessThan(5 * MINUTE + 15_000);
    expect(hints[0]!.text).toContain("still pending after 5m");
    expect(hints[0]!.text).toContain("'dig +short NS totogicore.com' must list ns-1.awsdns-01.org. ns-2.awsdns-02.co.uk.");
  });

  it("a pending certificate from an earlier run is reused, not requested again", async () => {
    cloud.neverValidate();
    await runner({ timeoutMs: MINUTE })();
    const result = await runner({ timeoutMs: MINUTE })();
    expect(result.kind).toBe("failed");
    expect(cloud.callsOf("RequestCertificate")).toHaveLength(1);
  });

  it("reports a FAILED certificate with ACM's reason and what it means", async () => {
    cloud.neverValidate();
    let failed = false;
    const result = await runner({
      emit: (e) => {
        events.push(e);
        if (e.type === "node-progress" && !failed) {
          failed = true;
          cloud.failCertificate(cloud.certificates()[0]!.arn, "CAA_ERROR");
        }
      },
    })();
    expect(result).toMatchObject({ kind: "failed", status: "FAILED" });
    const message = result.kind === "failed" ? result.message : "";
    expect(message).toContain("is FAILED: CAA_ERROR");
    expect(message).toContain('0 issue "amazon.com"');
  });

  it("reports VALIDATION_TIMED_OUT (ACM's own 72 hours)", async () => {
    cloud.neverValidate();
    const result = await runner({ timeoutMs: 80 * 60 * MINUTE, pollMs: 10 * MINUTE })();
    expect(result).toMatchObject({ kind: "failed", status: "VALIDATION_TIMED_OUT" });
    expect(result.kind === "failed" && result.message).toContain("ACM gave up after 72 hours");
  });

  it("stops waiting when interrupted, saying the certificate carries on", async () => {
    cloud.neverValidate();
    const controller = new AbortController();
    const run = runner({ emit: (e) => e.type === "node-progress" && controller.abort(new Error("interrupted")) });
    const result = await run(controller.signal);
    expect(result.kind).toBe("interrupted");
    expect(result.kind === "interrupted" && result.message).toContain("next run reuses it");
  });
});

describe("removeCertificate (teardown)", () => {
  it("deletes the certificate and its validation record", async () => {
    await runner()();
    const notes = await removeCertificate({ env, clients, retry: RETRY, hostedZoneId: zoneId });
    expect(cloud.certificates()).toEqual([]);
    expect(cnames()).toEqual([]);
    expect(notes.join("\n")).toMatch(/deleted certificate .*\n.*deleted validation record/);
  });

  it("refuses clearly while a load balancer still uses it, and keeps the record", async () => {
    await runner()();
    cloud.markCertificateInUse(cloud.certificates()[0]!.arn);
    await expect(removeCertificate({ env, clients, retry: RETRY })).rejects.toThrow(/still in use by arn:aws:elasticloadbalancing.*delete the backend stack first/);
    expect(cnames()).toHaveLength(1);
  });

  it("keeps the record while another certificate for the name still needs it", async () => {
    await runner()();
    const { ACMClient, RequestCertificateCommand } = await import("@aws-sdk/client-acm");
    await new ACMClient({ region: "us-east-2" }).send(new RequestCertificateCommand({ DomainName: DOMAIN, ValidationMethod: "DNS" }));
    const notes = await removeCertificate({ env, clients, retry: RETRY });
    expect(cnames()).toHaveLength(1);
    expect(notes.at(-1)).toContain("kept the validation record");
  });

  it("keeps the record for another certificate of the name with an EC key, which ListCertificates hides by default", async () => {
    await runner()();
    const { ACMClient, RequestCertificateCommand } = await import("@aws-sdk/client-acm");
    await new ACMClient({ region: "us-east-2" }).send(new RequestCertificateCommand({ DomainName: DOMAIN, ValidationMethod: "DNS", KeyAlgorithm: "EC_prime256v1" }));
    const notes = await removeCertificate({ env, clients, retry: RETRY });
    expect(cnames()).toHaveLength(1);
    expect(notes.at(-1)).toContain("kept the validation record: 1 other certificate(s)");
  });

  it("is a no-op when there is nothing to remove", async () => {
    expect(await removeCertificate({ env, clients, retry: RETRY })).toEqual([`no certificate for ${DOMAIN} to remove`]);
    expect(cloud.mutatingCalls()).toEqual([]);
  });
});

it("durations read at a glance, truncated rather than rounded up to an impossible 60", () => {
  expect([elapsed(0), elapsed(45_000), elapsed(130_000), elapsed(3_900_000)]).toEqual(["0s", "45s", "2m10s", "1h05m"]);
  expect([duration(8_840), duration(59_960), duration(119_600), duration(69_000)]).toEqual(["8.8s", "59.9s", "1m59s", "1m09s"]);
});
