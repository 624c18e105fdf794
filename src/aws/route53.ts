/**
 * Route 53 in the engine's own words: the public zone of the base domain, and the CNAME records
 * ACM asks for. Names are compared absolute and lower-case, the way Route 53 returns them.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  TestDNSAnswerCommand,
  type HostedZone,
  type Route53Client,
} from "@aws-sdk/client-route-53";
import { RetryingApi } from "./retry.js";

export interface CnameRecord {
  readonly name: string;
  readonly value: string;
}

/** What one of Route 53's name servers for the zone answers for a name and type (TestDNSAnswer). */
export interface DnsAnswer {
  /** The Route 53 name server that answered. */
  readonly nameServer: string;
  /** The DNS RCODE: NOERROR, NXDOMAIN, … */
  readonly responseCode: string;
  /** The values served; for an alias record, the target's addresses. */
  readonly data: string[];
}

export type ZoneLookup =
  | { kind: "found"; id: string; name: string }
  | { kind: "missing"; name: string }
  | { kind: "ambiguous"; name: string; ids: string[] };

/** `Example.com` → `example.com.` */
const absolute = (name: string): string => (name.endsWith(".") ? name : `${name}.`).toLowerCase();

/** `/hostedzone/Z123` → `Z123`, the form CloudFormation's HostedZoneId takes. */
export const zoneId = (id: string): string => id.replace(/^\/hostedzone\//, "");

const CNAME_TTL = 300;

export class Route53Api extends RetryingApi<Route53Client> {
  /**
   * The public hosted zone named exactly `domain`. ListHostedZonesByName starts at that name and
   * continues alphabetically, so neighbours (sub.example.com, example.com.au) must be filtered out;
   * two public zones of the same name is a real state Route 53 allows, and guessing would be wrong.
   */
  async findPublicZone(domain: string): Promise<ZoneLookup> {
    const name = absolute(domain);
    const matches: HostedZone[] = [];
    let next: { DNSName?: string; HostedZoneId?: string } = { DNSName: name };
    for (;;) {
      const page = await this.send(new ListHostedZonesByNameCommand({ ...next, MaxItems: 100 }));
      const zones = page.HostedZones ?? [];
      matches.push(...zones.filter((z) => absolute(z.Name ?? "") === name && !z.Config?.PrivateZone));
      // Pages are sorted by name: once a page ends past our name there can be no more matches.
      const passed = zones.some((z) => absolute(z.Name ?? "") !== name);
      if (!page.IsTruncated || passed) break;
      next = { DNSName: page.NextDNSName, HostedZoneId: page.NextHostedZoneId };
    }
    if (matches.length === 0) return { kind: "missing", name };
    if (matches.length > 1) return { kind: "ambiguous", name, ids: matches.map((z) => zoneId(z.Id ?? "")) };
    return { kind: "found", id: zoneId(matches[0]!.Id ?? ""), name };
  }

  /** The name servers Route 53 assigned to the zone: what the registrar's NS records must list. */
  async nameServers(hostedZoneId: string): Promise<string[]> {
    const result = await this.send(new GetHostedZoneCommand({ Id: hostedZoneId }));
    return result.DelegationSet?.NameServers ?? [];
  }

  /** The CNAME at `name`, if any. */
  async findCname(hostedZoneId: string, name: string): Promise<(CnameRecord & { ttl: number }) | undefined> {
    const wanted = absolute(name);
    const page = await this.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, StartRecordName: wanted, StartRecordType: "CNAME", MaxItems: 1 }));
    const record = page.ResourceRecordSets?.[0];
    if (!record || record.Type !== "CNAME" || absolute(record.Name ?? "") !== wanted) return undefined;
    return { name: wanted, value: record.ResourceRecords?.[0]?.Value ?? "", ttl: record.TTL ?? CNAME_TTL };
  }

  /** The alias record of this name and type (A, AAAA), as Route 53 itself holds it; undefined when absent. */
  async findAlias(hostedZoneId: string, name: string, type: "A" | "AAAA"): Promise<{ name: string; dnsName: string } | undefined> {
    const wanted = absolute(name);
    const page = await this.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, StartRecordName: wanted, StartRecordType: type, MaxItems: 1 }));
    const record = page.ResourceRecordSets?.[0];
    if (!record || record.Type !== type || absolute(record.Name ?? "") !== wanted || !record.AliasTarget?.DNSName) return undefined;
    return { name: wanted, dnsName: record.AliasTarget.DNSName };
  }

  /**
   * What Route 53's own name servers answer for this name and type right now (TestDNSAnswer): unlike
   * ListResourceRecordSets, which shows a record as soon as its change is accepted, this is what is served. It asks
   * one of the zone's name servers, not the public resolvers (their caches are theirs), and works for public zones only.
   */
  async answer(hostedZoneId: string, name: string, type: "A" | "AAAA"): Promise<DnsAnswer> {
    const result = await this.send(new TestDNSAnswerCommand({ HostedZoneId: zoneId(hostedZoneId), RecordName: absolute(name).slice(0, -1), RecordType: type }));
    return { nameServer: result.Nameserver ?? "", responseCode: result.ResponseCode ?? "", data: result.RecordData ?? [] };
  }

  /** Creates or overwrites the CNAME; running it twice changes nothing. */
  async upsertCname(hostedZoneId: string, record: CnameRecord, comment?: string): Promise<void> {
    await this.change(hostedZoneId, "UPSERT", { ...record, ttl: CNAME_TTL }, comment);
  }

  /**
   * Deletes the CNAME only when it still points where we set it: someone else's record of the
   * same name is left alone. Returns whether anything was deleted.
   */
  async deleteCname(hostedZoneId: string, record: CnameRecord): Promise<boolean> {
    const existing = await this.findCname(hostedZoneId, record.name);
    if (!existing || absolute(existing.value) !== absolute(record.value)) return false;
    // A DELETE must repeat the record exactly, TTL included.
    await this.change(hostedZoneId, "DELETE", existing);
    return true;
  }

  private async change(hostedZoneId: string, action: "UPSERT" | "DELETE", record: CnameRecord & { ttl: number }, comment?: string) {
    await this.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: {
        Comment: comment,
        Changes: [
          {
            Action: action,
            ResourceRecordSet: { Name: record.name, Type: "CNAME", TTL: record.ttl, ResourceRecords: [{ Value: record.value }] },
          },
        ],
      },
    }));
  }
}
