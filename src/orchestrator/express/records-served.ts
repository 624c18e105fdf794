/**
 * The domain is ready when Route 53 serves the API's A and AAAA records. In the standard mode CloudFormation
 * completes a record set only once its change is INSYNC; in express mode it completes it once ChangeResourceRecordSets
 * has accepted it, and names no change id to ask GetChange about. ListResourceRecordSets shows a record from the
 * moment it is accepted, so it cannot tell "accepted" from "served". TestDNSAnswer can: it returns what one of the
 * zone's Route 53 name servers answers. Once the records are in the zone, the wait asks it for both types until each
 * answers NOERROR with addresses.
 *
 * What this does not prove: that every Route 53 name server serves them (only INSYNC says that; in practice they
 * follow within seconds), nor what public resolvers have cached (a resolver that was told NXDOMAIN before keeps it
 * for the zone's negative TTL).
 */
import { Route53Api, type DnsAnswer } from "../../aws/route53.js";
import { elapsed } from "../../duration.js";
import { apiDomain, stackName } from "../../env/model.js";
import { sleepUnlessAborted } from "../clock.js";
import type { Readiness, ReadinessDeps } from "./readiness.js";

/**
 * How often the zone and the name servers are asked while the records are missing or not yet served: two requests
 * a poll (A and AAAA), well under Route 53's API rate of five requests a second per account. Route 53 says changes
 * "generally propagate to all Route 53 name servers within 60 seconds", so 2 s is a small share of the wait.
 */
export const DNS_POLL_MS = 2_000;

const TYPES = ["A", "AAAA"] as const;
type RecordType = (typeof TYPES)[number];

const LOGICAL_ID: Record<RecordType, string> = { A: "ApiRecordA", AAAA: "ApiRecordAAAA" };

const isServed = (answer: DnsAnswer) => answer.responseCode === "NOERROR" && answer.data.length > 0;

/** Waits, bounded by `deps.timeoutMs`, until the API records are in the zone and then served by Route 53. */
export async function apiRecordsServed(deps: ReadinessDeps, signal?: AbortSignal): Promise<Readiness> {
  const { env, clock, hostedZoneId } = deps;
  const dns = new Route53Api(deps.clients.route53, deps.retry);
  const name = apiDomain(env);
  const started = clock.now();
  let aliasTarget: string | undefined;
  for (;;) {
    const waited = clock.now() - started;
    if (aliasTarget === undefined) {
      const found = await Promise.all(TYPES.map((type) => dns.findAlias(hostedZoneId, name, type)));
      if (found.every(Boolean)) aliasTarget = found[0]!.dnsName;
      else {
        const missing = TYPES.filter((_, i) => !found[i]);
        if (waited >= deps.timeoutMs) return notReady(deps, missing[0]!, `Route 53 has no ${missing.join(" or ")} alias record for ${name} in zone ${hostedZoneId} after ${elapsed(waited)} (--rollout-timeout)`);
        deps.emit({ type: "node-progress", node: "domain", at: clock.now(), status: "waiting for the API records", current: `in zone ${hostedZoneId}`, waitingSince: started });
      }
    }
    if (aliasTarget !== undefined) {
      const answers = await Promise.all(TYPES.map((type) => dns.answer(hostedZoneId, name, type)));
      if (answers.every(isServed)) {
        return {
          ready: true,
          notes: [
            `${name} A/AAAA in zone ${hostedZoneId}, alias to ${aliasTarget}`,
            `${name} served by Route 53 (${answers[0]!.nameServer}): ${TYPES.map((type, i) => `${type} ${answers[i]!.data.join(" ")}`).join("; ")}`,
          ],
        };
      }
      const unserved = TYPES.filter((_, i) => !isServed(answers[i]!));
      const codes = [...new Set(answers.filter((a) => !isServed(a)).map((a) => (a.responseCode === "NOERROR" ? "NOERROR, no answer" : a.responseCode)))].join(", ");
      if (waited >= deps.timeoutMs) {
        const records = unserved.length > 1 ? `the ${unserved.join(" and ")} records` : `the ${unserved[0]} record`;
        return notReady(deps, unserved[0]!, `Route 53's name servers do not serve ${records} of ${name} (TestDNSAnswer: ${codes}) after ${elapsed(waited)} (--rollout-timeout); the records are in zone ${hostedZoneId}, so the change is still propagating`);
      }
      deps.emit({ type: "node-progress", node: "domain", at: clock.now(), status: "waiting for Route 53 to serve the API records", current: `${unserved.join("/")} ${codes}`, waitingSince: started });
    }
    await sleepUnlessAborted(clock, Math.min(DNS_POLL_MS, Math.max(0, deps.timeoutMs - waited)), signal);
  }
}

function notReady(deps: ReadinessDeps, type: RecordType, reason: string): Readiness {
  return {
    ready: false,
    message: `the stack completed in express mode, but ${reason}`,
    rootCause: { stack: stackName(deps.env, "domain"), logicalId: LOGICAL_ID[type], resourceType: "AWS::Route53::RecordSet", reason },
    evidence: [],
  };
}
