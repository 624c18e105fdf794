/**
 * The certificate node: the environment's ACM certificate for the API domain, found by its tags or
 * requested with DNS validation; its validation CNAME upserted in the zone; then the wait, shown.
 */
import type { CertificateStatus } from "@aws-sdk/client-acm";
import { ALL_STATUSES, AcmApi, isCertificateInUse, type CertificateState } from "../../aws/acm.js";
import type { AwsClients } from "../../aws/clients.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { Route53Api } from "../../aws/route53.js";
import { apiDomain, type Environment } from "../../env/model.js";
import { stackTags } from "../../templates/stack.js";
import { sleepUnlessAborted, type Clock } from "../clock.js";
import type { CertificateRunner } from "./deploy.js";
import type { EventSink } from "../events.js";
import type { NodeResult } from "../results.js";
import { elapsed } from "../../duration.js";

export interface CertificateDeps {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly emit: EventSink;
  readonly hostedZoneId: string;
  /** Upper bound of the wait for ISSUED (--cert-timeout). */
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

const NODE = "certificate";
/**
 * Once the stacks finish in seconds (express), the certificate is the critical path: its issue must be noticed
 * within 2 s. Polls start every 1.5 s on a fixed cadence, so the look after the issue answers within 2 s even
 * with a slow call. DescribeCertificate is cheap, and 0.7 calls/s per waiting deploy leaves ACM's 10/s account
 * quota room for many environments at once (throttling is retried in any case).
 */
export const CERTIFICATE_POLL_MS = 1_500;
/** When to suggest that the zone's delegation may be wrong. */
const DELEGATION_HINT_AFTER_MS = 5 * 60_000;

/** One run per deploy: the node and a consumer reading CertificateArn share the same wait. */
export function certificateRunner(deps: CertificateDeps): CertificateRunner {
  let running: Promise<NodeResult> | undefined;
  return (signal) => (running ??= runCertificate(deps, signal));
}

/** ARNs of the environment's own certificates for its API domain (tagged like its stacks), issued ones first. */
function ourCertificates(acm: AcmApi, env: Environment, statuses?: CertificateStatus[]): Promise<string[]> {
  return acm.findCertificates(apiDomain(env), stackTags(env), statuses);
}

export interface CertificateLookup {
  readonly arn?: string;
  readonly status?: string;
  /** CertificateArn, present only once the certificate is issued. */
  readonly outputs?: Record<string, string>;
  readonly description: string;
}

/** The environment's certificate as ACM reports it, without requesting one. */
export async function lookUpCertificate(env: Environment, clients: AwsClients, retry: RetryPolicy): Promise<CertificateLookup> {
  const acm = new AcmApi(clients.acm, retry);
  const arn = (await ourCertificates(acm, env, ALL_STATUSES))[0];
  if (!arn) return { description: `none for ${apiDomain(env)} yet (deploy requests it)` };
  const { status } = await acm.describe(arn);
  const outputs = status === "ISSUED" ? { CertificateArn: arn } : undefined;
  return { arn, status, outputs, description: `${status} ${arn}` };
}

async function runCertificate(deps: CertificateDeps, signal?: AbortSignal): Promise<NodeResult> {
  const { env, clock } = deps;
  const started = clock.now();
  const acm = new AcmApi(deps.clients.acm, deps.retry);
  const domain = apiDomain(env);
  const say = (text: string) => deps.emit({ type: "node-message", node: NODE, at: clock.now(), text });
  let status: string | undefined;
  try {
    const existing = (await ourCertificates(acm, env))[0];
    const arn = existing ?? (await acm.request(domain, stackTags(env)));
    say(existing ? `reusing ${arn}` : `requested a DNS-validated certificate for ${domain}: ${arn}`);
    const outcome = await waitUntilIssued(deps, acm, arn, started, (s) => (status = s), signal);
    const durationMs = clock.now() - started;
    if (outcome.kind === "failed") return { kind: "failed", status: outcome.status, message: outcome.message, durationMs };
    const outputs = { CertificateArn: arn };
    if (outcome.alreadyIssued) return { kind: "unchanged", outputs, durationMs, notes: outcome.notes };
    return { kind: "deployed", action: "create", outputs, durationMs, notes: [`issued after ${elapsed(durationMs)}`, ...outcome.notes] };
  } catch (error) {
    if (signal?.aborted) {
      return { kind: "interrupted", status, message: `stopped waiting for the certificate of ${domain}; ACM keeps validating it and the next run reuses it` };
    }
    return { kind: "failed", status, message: `certificate for ${domain}: ${(error as Error)?.message ?? String(error)}`, durationMs: clock.now() - started };
  }
}

type WaitOutcome = { kind: "issued"; alreadyIssued: boolean; notes: string[] } | { kind: "failed"; status: string; message: string };

async function waitUntilIssued(
  deps: CertificateDeps,
  acm: AcmApi,
  arn: string,
  started: number,
  onStatus: (status: string) => void,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  const { clock } = deps;
  const dns = new Route53Api(deps.clients.route53, deps.retry);
  const pollMs = deps.pollMs ?? CERTIFICATE_POLL_MS;
  let recordSet = false;
  let hinted = false;
  for (let first = true; ; first = false) {
    const lookedAt = clock.now();
    const certificate = await acm.describe(arn);
    onStatus(certificate.status);
    if (certificate.status === "ISSUED") {
      // Renewal needs the record too: put it back if someone removed it from an issued certificate.
      const notes = first ? await restoreRecord(deps, dns, certificate) : [];
      return { kind: "issued", alreadyIssued: first, notes };
    }
    if (certificate.status !== "PENDING_VALIDATION") return { kind: "failed", status: certificate.status, message: failure(deps, certificate) };

    const record = certificate.validationRecord;
    if (record && !recordSet) {
      await dns.upsertCname(deps.hostedZoneId, record, `ACM validation for ${certificate.domain}`);
      recordSet = true;
      deps.emit({ type: "node-message", node: NODE, at: clock.now(), text: `validation record ${record.name} CNAME ${record.value} set in zone ${deps.hostedZoneId}` });
    }
    const waited = clock.now() - started;
    if (waited >= deps.timeoutMs) return { kind: "failed", status: certificate.status, message: timedOut(deps, certificate, waited) };
    if (!hinted && waited >= DELEGATION_HINT_AFTER_MS && record) {
      hinted = true;
      const servers = await dns.nameServers(deps.hostedZoneId).catch(() => []);
      deps.emit({ type: "node-message", node: NODE, at: clock.now(), text: delegationHint(deps, record.name, waited, servers) });
    }
    deps.emit({
      type: "node-progress",
      node: NODE,
      at: clock.now(),
      status: certificate.status,
      current: record ? `for CNAME ${record.name}` : "for ACM to name the validation record",
      waitingSince: started,
    });
    // A fixed cadence: the next look is due one interval after this one began, not after its calls returned.
    const nextLook = Math.max(0, lookedAt + pollMs - clock.now());
    await sleepUnlessAborted(clock, Math.min(nextLook, deps.timeoutMs - waited), signal);
  }
}

async function restoreRecord(deps: CertificateDeps, dns: Route53Api, certificate: CertificateState): Promise<string[]> {
  const record = certificate.validationRecord;
  if (!record) return [];
  const present = await dns.findCname(deps.hostedZoneId, record.name);
  if (present?.value.toLowerCase().replace(/\.$/, "") === record.value.toLowerCase().replace(/\.$/, "")) return [];
  await dns.upsertCname(deps.hostedZoneId, record, `ACM validation for ${certificate.domain}`);
  return [`restored validation record ${record.name} (ACM needs it to renew the certificate)`];
}

function delegationHint(deps: CertificateDeps, recordName: string, waited: number, nameServers: string[]): string {
  const base = deps.env.baseDomain;
  const expected = nameServers.length > 0 ? nameServers.join(" ") : `those of 'aws route53 get-hosted-zone --id ${deps.hostedZoneId}'`;
  return (
    `still pending after ${elapsed(waited)}; validation usually takes a few minutes. If it lasts, ${base} may not be delegated to hosted zone ${deps.hostedZoneId}: ` +
    `'dig +short NS ${base}' must list ${expected} (fix the NS records at the registrar), and 'dig +short CNAME ${recordName}' should answer`
  );
}

function timedOut(deps: CertificateDeps, certificate: CertificateState, waited: number): string {
  const record = certificate.validationRecord;
  const what = record ? `ACM has not seen CNAME ${record.name} → ${record.value}` : "ACM never named a validation record";
  return (
    `certificate ${certificate.arn} for ${certificate.domain} still PENDING_VALIDATION after ${elapsed(waited)} (--cert-timeout): ${what}. ` +
    `Check that ${deps.env.baseDomain} is delegated to hosted zone ${deps.hostedZoneId} (NS records at the registrar), then rerun: the pending certificate is reused and ACM keeps trying for 72 hours`
  );
}

/** ACM's FailureReason codes, in words a person can act on. */
const FAILURE_ADVICE: Record<string, string> = {
  CAA_ERROR: "a CAA record on the domain or a parent does not allow Amazon to issue; add 0 issue \"amazon.com\" to it",
  DOMAIN_NOT_ALLOWED: "ACM does not issue for this domain (its reputation or a blocklist); contact AWS Support",
  DOMAIN_VALIDATION_DENIED: "the domain owner denied validation",
  INVALID_PUBLIC_DOMAIN: "the domain is not a valid public domain name",
  ADDITIONAL_VERIFICATION_REQUIRED: "Amazon needs more information before issuing; contact AWS Support",
  NO_AVAILABLE_CONTACTS: "no contact for the domain could be found",
};

function failure(deps: CertificateDeps, certificate: CertificateState): string {
  const status: CertificateStatus | "UNKNOWN" = certificate.status;
  const why =
    status === "VALIDATION_TIMED_OUT"
      ? `ACM gave up after 72 hours without seeing the validation CNAME${certificate.validationRecord ? ` ${certificate.validationRecord.name}` : ""}: check that ${deps.env.baseDomain} is delegated to hosted zone ${deps.hostedZoneId}`
      : `${certificate.failureReason ?? "no reason given"}${certificate.failureReason && FAILURE_ADVICE[certificate.failureReason] ? ` (${FAILURE_ADVICE[certificate.failureReason]})` : ""}`;
  return (
    `certificate ${certificate.arn} for ${certificate.domain} is ${status}: ${why}. ` +
    `Fix the cause and rerun: a new certificate is requested (remove this one with 'aws acm delete-certificate --certificate-arn ${certificate.arn}')`
  );
}

export interface RemoveCertificateDeps {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  /** Looked up from the base domain when absent. */
  readonly hostedZoneId?: string;
  /** Ctrl-C: no further deletion starts; what was done so far is returned. */
  readonly signal?: AbortSignal;
}

/**
 * Teardown: deletes the environment's certificates (any status) and their validation records.
 * The record is shared by every certificate for the same name in the account, so it stays
 * while another one (e.g. made by hand) still needs it. Returns what was done, in words.
 */
export async function removeCertificate(deps: RemoveCertificateDeps): Promise<string[]> {
  const acm = new AcmApi(deps.clients.acm, deps.retry);
  const dns = new Route53Api(deps.clients.route53, deps.retry);
  const domain = apiDomain(deps.env);
  const notes: string[] = [];
  const ours = await ourCertificates(acm, deps.env, ALL_STATUSES);
  if (ours.length === 0) return [`no certificate for ${domain} to remove`];

  const records = new Map<string, CertificateState["validationRecord"]>();
  for (const arn of ours) {
    const certificate = await acm.describe(arn);
    if (deps.signal?.aborted) return notes;
    try {
      await acm.delete(arn);
    } catch (error) {
      if (!isCertificateInUse(error)) throw error;
      throw new Error(
        `certificate ${arn} for ${domain} is still in use by ${certificate.inUseBy.join(", ") || "a load balancer"}: delete the backend stack first (ACM may need a few minutes to notice a deleted listener), then rerun`,
      );
    }
    notes.push(`deleted certificate ${arn}`);
    if (certificate.validationRecord) records.set(certificate.validationRecord.name, certificate.validationRecord);
  }

  const others = await acm.findCertificates(domain, {});
  if (others.length > 0) return [...notes, `kept the validation record: ${others.length} other certificate(s) for ${domain} still use it`];
  const zone = deps.hostedZoneId ?? (await zoneOf(dns, deps.env.baseDomain));
  for (const record of records.values()) {
    if (!record) continue;
    if (deps.signal?.aborted) return notes;
    if (!zone) notes.push(`validation record ${record.name} not removed: no hosted zone for ${deps.env.baseDomain}`);
    else if (await dns.deleteCname(zone, record)) notes.push(`deleted validation record ${record.name}`);
  }
  return notes;
}

async function zoneOf(dns: Route53Api, baseDomain: string): Promise<string | undefined> {
  const zone = await dns.findPublicZone(baseDomain);
  return zone.kind === "found" ? zone.id : undefined;
}
