/**
 * TestDNSAnswer: "Gets the value that Amazon Route 53 returns in response to a DNS request for a specified record
 * name and type" (Route 53 API reference). It asks one of Route 53's own name servers for the hosted zone (named in
 * the answer's Nameserver), not the public resolvers, so it says nothing of what resolvers have cached. "This call
 * only supports querying public hosted zones"; HostedZoneId, RecordName and RecordType are required. The answer is
 * like the answer section of `dig`: RecordData holds the values, ResponseCode the DNS RCODE (NOERROR, NXDOMAIN…).
 *
 * What a name server answers follows the zone's changes: the record as it was until its change is INSYNC, the new
 * one from then on (servedSet). For an alias record Route 53 answers with the target's addresses, not its name.
 */
import { createHash } from "node:crypto";
import { InvalidInput, type RRType, type TestDNSAnswerCommandInput, type TestDNSAnswerCommandOutput } from "@aws-sdk/client-route-53";
import { awsError } from "./errors.js";
import { fqdn, recordKey, servedSet, type HostedZone } from "./route53.js";
import type { Out } from "./world.js";

export function testDnsAnswer(zone: HostedZone, input: TestDNSAnswerCommandInput, now: number): Out<TestDNSAnswerCommandOutput> {
  if (!input.RecordName || !input.RecordType) {
    throw awsError(InvalidInput, "InvalidInput", "TestDNSAnswer needs hostedzoneid, recordname and recordtype", { status: 400 });
  }
  if (zone.privateZone) throw awsError(InvalidInput, "InvalidInput", "TestDNSAnswer only supports public hosted zones", { status: 400 });
  const name = fqdn(input.RecordName);
  const nameServer = (servedSet(zone.records.get(recordKey(zone.name, "NS"))!, now)?.ResourceRecords?.[0]?.Value ?? "ns-1.awsdns-01.org.").replace(/\.$/, "");
  const answer = (ResponseCode: string, RecordData: string[] = []) => ({
    Nameserver: nameServer,
    RecordName: input.RecordName!,
    RecordType: input.RecordType as RRType,
    RecordData,
    ResponseCode,
    Protocol: "UDP",
  });
  // A name outside the zone is not this zone's to answer.
  if (name !== zone.name && !name.endsWith(`.${zone.name}`)) return answer("REFUSED");
  const record = zone.records.get(recordKey(name, input.RecordType));
  const served = record ? servedSet(record, now) : undefined;
  if (served) return answer("NOERROR", served.AliasTarget ? aliasAddresses(served.AliasTarget.DNSName ?? "", input.RecordType) : (served.ResourceRecords ?? []).map((r) => r.Value ?? ""));
  // The name exists with other types (or names below it do): NOERROR with no data; otherwise NXDOMAIN.
  const nameExists = [...zone.records.values()].some((r) => {
    const other = servedSet(r, now)?.Name;
    return other !== undefined && (other === name || other.endsWith(`.${name}`));
  });
  return answer(nameExists ? "NOERROR" : "NXDOMAIN");
}

/** The target's addresses, made up but stable per target (documentation ranges, RFC 5737 / RFC 3849): two AZs. */
function aliasAddresses(target: string, type: string): string[] {
  const hash = createHash("sha256").update(fqdn(target)).digest();
  if (type === "AAAA") return [`2001:db8::${hash.readUInt16BE(0).toString(16)}`, `2001:db8::${hash.readUInt16BE(2).toString(16)}`];
  if (type === "A") return [`203.0.113.${(hash[0]! % 254) + 1}`, `198.51.100.${(hash[1]! % 254) + 1}`];
  return [fqdn(target)];
}
