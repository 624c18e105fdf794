/**
 * Route 53 hosted zones and record sets, with changes that go PENDING then INSYNC in virtual time. While a change is
 * PENDING the record is already in the zone (ListResourceRecordSets shows it) but the name servers still answer as
 * before it (TestDNSAnswer, route53-answers.ts); INSYNC "indicates that the changes have propagated to all Route 53
 * DNS servers managing the hosted zone" (API reference, GetChange).
 */
import {
  InvalidChangeBatch,
  NoSuchChange,
  NoSuchHostedZone,
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
  type GetChangeCommandOutput,
  type GetHostedZoneCommandOutput,
  type ListHostedZonesByNameCommandInput,
  type ListHostedZonesByNameCommandOutput,
  type ListHostedZonesCommandOutput,
  type ListResourceRecordSetsCommandInput,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  type TestDNSAnswerCommandInput,
  type TestDNSAnswerCommandOutput,
} from "@aws-sdk/client-route-53";
import { awsError } from "./errors.js";
import { encode } from "./ids.js";
import { testDnsAnswer } from "./route53-answers.js";
import type { Stabilization } from "./stack-steps.js";
import type { Handlers, Out, World } from "./world.js";

export interface RecordSet {
  set: ResourceRecordSet;
  /** When the change that wrote it went INSYNC: from then on the name servers answer with `set`. */
  insyncAt: number;
  /** What the name servers answer until then: the record as it was before the change (undefined: it did not exist). */
  previous?: ResourceRecordSet | undefined;
}

/** What Route 53's name servers answer for this record at `now`: the new set once INSYNC, the old one before. */
export function servedSet(record: RecordSet, now: number): ResourceRecordSet | undefined {
  return now >= record.insyncAt ? record.set : record.previous;
}

export interface HostedZone {
  /** `/hostedzone/Z…`, as the API returns it. */
  id: string;
  name: string;
  callerReference: string;
  privateZone: boolean;
  records: Map<string, RecordSet>;
}

/** `Example.COM` → `example.com.`: Route 53 compares names lower-case and fully qualified. */
export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/** `www.example.com.` → `com.example.www`: Route 53 lists zones and records in this order. */
function reversedLabels(name: string): string {
  return fqdn(name).slice(0, -1).split(".").reverse().join(".");
}

export const recordKey = (name: string, type: string) => `${fqdn(name)}|${type}`;
const bareId = (id: string | undefined) => (id ?? "").replace(/^\/(hostedzone|change)\//, "");

export class FakeRoute53 {
  readonly zones = new Map<string, HostedZone>();
  /** Names whose changes Route 53 never gets INSYNC (seeding: holdDnsChanges). */
  readonly heldNames = new Set<string>();
  private readonly changes = new Map<string, { submittedAt: number; insyncAt: number; comment?: string | undefined }>();

  constructor(private readonly world: World) {}

  putHostedZone(name: string, options: { private?: boolean } = {}): HostedZone {
    const zoneName = fqdn(name);
    const id = `/hostedzone/Z${encode(this.world.ids.fresh("zone"), 20)}`;
    const zone: HostedZone = { id, name: zoneName, callerReference: `fake-${zoneName}`, privateZone: options.private ?? false, records: new Map() };
    const at = this.world.clock.now();
    const nameServers = ["ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.", "ns-3.awsdns-03.com.", "ns-4.awsdns-04.net."];
    zone.records.set(recordKey(zoneName, "NS"), { set: { Name: zoneName, Type: "NS", TTL: 172800, ResourceRecords: nameServers.map((Value) => ({ Value })) }, insyncAt: at });
    zone.records.set(recordKey(zoneName, "SOA"), {
      set: { Name: zoneName, Type: "SOA", TTL: 900, ResourceRecords: [{ Value: `${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }] },
      insyncAt: at,
    });
    this.zones.set(bareId(id), zone);
    return zone;
  }

  /**
   * A record set a CloudFormation stack wrote (AWS::Route53::RecordSet) with ChangeResourceRecordSets at `at`: in the
   * zone at once, served once the change is INSYNC (`dnsPropagationMs` later, never for a held name). CloudFormation
   * does not say which change wrote it, so only the record itself can be read back. Writing the same record again
   * changes nothing; `servedAtOnce` is for a stack seeded as already deployed.
   */
  putStackRecord(hostedZoneId: string, set: ResourceRecordSet, at: number, options: { servedAtOnce?: boolean } = {}): void {
    const zone = this.zones.get(bareId(hostedZoneId));
    if (!zone) return;
    const key = recordKey(set.Name ?? "", set.Type ?? "");
    const existing = zone.records.get(key);
    const written = { ...set, Name: fqdn(set.Name ?? "") };
    if (existing && sameRecord(existing.set, written)) return;
    const insyncAt = options.servedAtOnce ? at : this.insyncAfter(written.Name!, at);
    zone.records.set(key, { set: written, insyncAt, previous: existing ? servedSet(existing, at) : undefined });
  }

  /** Whether the record of this name and type is in a zone at all. */
  hasRecord(name: string, type: string): boolean {
    return [...this.zones.values()].some((zone) => zone.records.has(recordKey(name, type)));
  }

  /** When a change submitted at `at` goes INSYNC: Route 53 "generally" within 60 s; a held name never. */
  private insyncAfter(name: string, at: number): number {
    return this.heldNames.has(fqdn(name)) ? Number.POSITIVE_INFINITY : at + this.world.timing.dnsPropagationMs;
  }

  /** When the record of this name and type, as it is now, is served from (undefined: absent; Infinity: never). */
  servedSince(name: string, type: string): number | undefined {
    for (const zone of this.zones.values()) {
      const record = zone.records.get(recordKey(name, type));
      if (record) return record.insyncAt;
    }
    return undefined;
  }

  /**
   * In the standard mode CloudFormation completes a record set only once its change is INSYNC (it takes as long as
   * Route 53's propagation, ~30-60 s); in express mode it does not wait for it ("resources might still be
   * initializing or propagating changes", User Guide, express mode), and outcome() never asks.
   */
  recordStabilization(name: string, type: string, at: number): Stabilization {
    const since = this.servedSince(name, type);
    return since !== undefined && at < since ? { state: "waiting" } : { state: "stable" };
  }

  /** The stack deleted its record set: gone from whichever zone holds it. */
  removeAnyStackRecord(name: string, type: string): void {
    for (const zone of this.zones.values()) zone.records.delete(recordKey(name, type));
  }

  /** When a CNAME with this name and value became visible in DNS, if it exists. */
  cnameInsyncSince(name: string, value: string): number | undefined {
    for (const zone of this.zones.values()) {
      const record = zone.records.get(recordKey(name, "CNAME"));
      if (record && record.set.ResourceRecords?.some((r) => fqdn(r.Value ?? "") === fqdn(value))) return record.insyncAt;
    }
    return undefined;
  }

  private mustGetZone(id: string | undefined): HostedZone {
    const zone = this.zones.get(bareId(id));
    if (!zone) throw awsError(NoSuchHostedZone, "NoSuchHostedZone", `No hosted zone found with ID: ${bareId(id)}`, { status: 404 });
    return zone;
  }

  handlers(): Handlers {
    const r53 = this;
    const world = this.world;
    const describeZone = (z: HostedZone) => ({
      Id: z.id,
      Name: z.name,
      CallerReference: z.callerReference,
      Config: { PrivateZone: z.privateZone },
      ResourceRecordSetCount: z.records.size,
    });
    const changeInfo = (id: string) => {
      const change = r53.changes.get(id)!;
      return {
        Id: `/change/${id}`,
        Status: world.clock.now() >= change.insyncAt ? ("INSYNC" as const) : ("PENDING" as const),
        SubmittedAt: new Date(change.submittedAt),
        ...(change.comment !== undefined ? { Comment: change.comment } : {}),
      };
    };
    return {
      ListHostedZonesByName(input: ListHostedZonesByNameCommandInput): Out<ListHostedZonesByNameCommandOutput> {
        const maxItems = Number(input.MaxItems ?? 100);
        const sorted = [...r53.zones.values()].sort((a, b) => (reversedLabels(a.name) < reversedLabels(b.name) ? -1 : reversedLabels(a.name) > reversedLabels(b.name) ? 1 : a.id < b.id ? -1 : 1));
        // Zones from DNSName onwards in Route 53's order, so a caller must check the first one is an exact match.
        const from = input.DNSName ? sorted.filter((z) => reversedLabels(z.name) >= reversedLabels(input.DNSName!)) : sorted;
        const items = from.slice(0, maxItems);
        const next = from[maxItems];
        return {
          HostedZones: items.map(describeZone),
          ...(input.DNSName !== undefined ? { DNSName: input.DNSName } : {}),
          ...(input.HostedZoneId !== undefined ? { HostedZoneId: input.HostedZoneId } : {}),
          IsTruncated: next !== undefined,
          MaxItems: maxItems,
          ...(next ? { NextDNSName: next.name, NextHostedZoneId: bareId(next.id) } : {}),
        };
      },
      ListHostedZones(): Out<ListHostedZonesCommandOutput> {
        return { HostedZones: [...r53.zones.values()].map(describeZone), IsTruncated: false, Marker: "", MaxItems: 100 };
      },
      GetHostedZone(input: { Id?: string }): Out<GetHostedZoneCommandOutput> {
        const zone = r53.mustGetZone(input.Id);
        const ns = zone.records.get(recordKey(zone.name, "NS"))?.set.ResourceRecords?.map((r) => r.Value ?? "") ?? [];
        return { HostedZone: describeZone(zone), DelegationSet: { NameServers: ns } };
      },
      ChangeResourceRecordSets(input: ChangeResourceRecordSetsCommandInput): Out<ChangeResourceRecordSetsCommandOutput> {
        const zone = r53.mustGetZone(input.HostedZoneId);
        const changes = input.ChangeBatch?.Changes ?? [];
        const problems: string[] = [];
        const next = new Map(zone.records);
        for (const change of changes) {
          const set = change.ResourceRecordSet ?? { Name: "", Type: undefined };
          const name = fqdn(set.Name ?? "");
          const type = set.Type ?? "";
          const key = recordKey(name, type);
          const what = `resource record set [name='${name}', type='${type}']`;
          if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
            problems.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
            continue;
          }
          const existing = next.get(key);
          if (change.Action === "CREATE" && existing) problems.push(`Tried to create ${what} but it already exists`);
          else if (change.Action === "DELETE" && !existing) problems.push(`Tried to delete ${what} but it was not found`);
          else if (change.Action === "DELETE" && existing && !sameRecord(existing.set, set)) {
            problems.push(`Tried to delete ${what} but the values provided do not match the current values`);
          } else if (change.Action === "DELETE") next.delete(key);
          else {
            const clash = [...next.values()].some((r) => fqdn(r.set.Name ?? "") === name && r.set.Type !== type && (type === "CNAME" || r.set.Type === "CNAME"));
            if (clash) problems.push(`RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`);
            else next.set(key, { set: { ...set, Name: name }, insyncAt: Number.NaN, previous: existing ? servedSet(existing, world.clock.now()) : undefined });
          }
        }
        if (problems.length > 0) {
          throw awsError(InvalidChangeBatch, "InvalidChangeBatch", `[${problems.join(", ")}]`, { fields: { messages: problems } });
        }
        const submittedAt = world.clock.now();
        const written = [...next.values()].filter((record) => Number.isNaN(record.insyncAt));
        // One change, one status: the batch is INSYNC when all of it has propagated.
        const insyncAt = Math.max(submittedAt + world.timing.dnsPropagationMs, ...written.map((r) => r53.insyncAfter(r.set.Name ?? "", submittedAt)));
        for (const record of written) record.insyncAt = insyncAt;
        zone.records = next;
        const id = `C${encode(world.ids.fresh("change"), 21)}`;
        r53.changes.set(id, { submittedAt, insyncAt, comment: input.ChangeBatch?.Comment });
        return { ChangeInfo: changeInfo(id) };
      },
      GetChange(input: { Id?: string }): Out<GetChangeCommandOutput> {
        const id = bareId(input.Id);
        if (!r53.changes.has(id)) throw awsError(NoSuchChange, "NoSuchChange", `A change with the specified change ID does not exist.`, { status: 404 });
        return { ChangeInfo: changeInfo(id) };
      },
      TestDNSAnswer(input: TestDNSAnswerCommandInput): Out<TestDNSAnswerCommandOutput> {
        return testDnsAnswer(r53.mustGetZone(input.HostedZoneId), input, world.clock.now());
      },
      ListResourceRecordSets(input: ListResourceRecordSetsCommandInput): Out<ListResourceRecordSetsCommandOutput> {
        const zone = r53.mustGetZone(input.HostedZoneId);
        const maxItems = Number(input.MaxItems ?? 300);
        const order = (s: ResourceRecordSet) => `${reversedLabels(s.Name ?? "")}|${s.Type}`;
        const sorted = [...zone.records.values()].map((r) => r.set).sort((a, b) => (order(a) < order(b) ? -1 : 1));
        const start = input.StartRecordName ? `${reversedLabels(input.StartRecordName)}|${input.StartRecordType ?? ""}` : "";
        const from = sorted.filter((s) => order(s) >= start);
        const next = from[maxItems];
        return {
          ResourceRecordSets: structuredClone(from.slice(0, maxItems)),
          IsTruncated: next !== undefined,
          MaxItems: maxItems,
          ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type } : {}),
        };
      },
    };
  }
}

function sameRecord(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  const values = (s: ResourceRecordSet) => (s.ResourceRecords ?? []).map((r) => r.Value).sort().join("\n");
  return a.TTL === b.TTL && values(a) === values(b) && JSON.stringify(a.AliasTarget ?? null) === JSON.stringify(b.AliasTarget ?? null);
}
