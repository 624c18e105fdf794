/**
 * The fake's Route 53 must answer as Route 53 does where readiness depends on it: a change is in the zone when it is
 * accepted, but the name servers serve it only once it is INSYNC (GetChange), and TestDNSAnswer says what they serve.
 */
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client, TestDNSAnswerCommand, type RRType } from "@aws-sdk/client-route-53";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const config = { region: "us-east-2", credentials: { accessKeyId: "x", secretAccessKey: "y" } };

let cloud: FakeCloud;
let route53: Route53Client;
beforeEach(() => {
  cloud = createFakeCloud();
  route53 = new Route53Client(config);
});
afterEach(() => cloud.restore());

const upsert = (HostedZoneId: string, value: string) =>
  route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId, ChangeBatch: { Changes: [{ Action: "UPSERT", ResourceRecordSet: { Name: "www.example.com", Type: "A", TTL: 60, ResourceRecords: [{ Value: value }] } }] } }));
const ask = (HostedZoneId: string, RecordName: string, RecordType: RRType = "A") => route53.send(new TestDNSAnswerCommand({ HostedZoneId, RecordName, RecordType }));
const status = async (Id: string) => (await route53.send(new GetChangeCommand({ Id }))).ChangeInfo!.Status;

describe("Route 53: in the zone when accepted, served when INSYNC", () => {
  it("a new record is listed at once, but TestDNSAnswer says NXDOMAIN until its change is INSYNC, then serves it", async () => {
    const zone = cloud.putHostedZone("example.com");
    const change = await upsert(zone.id, "192.0.2.10");
    const listed = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, StartRecordName: "www.example.com", StartRecordType: "A", MaxItems: 1 }));
    expect(listed.ResourceRecordSets![0]).toMatchObject({ Name: "www.example.com.", Type: "A" });
    expect(await status(change.ChangeInfo!.Id!)).toBe("PENDING");
    expect(await ask(zone.id, "www.example.com")).toMatchObject({ ResponseCode: "NXDOMAIN", RecordData: [], Nameserver: expect.stringMatching(/^ns-\d+\.awsdns-/), Protocol: "UDP" });
    while ((await status(change.ChangeInfo!.Id!)) !== "INSYNC") await cloud.clock.sleep(1_000);
    expect(await ask(zone.id, "www.example.com")).toMatchObject({ ResponseCode: "NOERROR", RecordData: ["192.0.2.10"], RecordName: "www.example.com", RecordType: "A" });
  });

  it("an updated record: the old value is served until the change is INSYNC", async () => {
    const zone = cloud.putHostedZone("example.com");
    const first = await upsert(zone.id, "192.0.2.10");
    while ((await status(first.ChangeInfo!.Id!)) !== "INSYNC") await cloud.clock.sleep(1_000);
    const second = await upsert(zone.id, "192.0.2.20");
    expect((await ask(zone.id, "www.example.com")).RecordData).toEqual(["192.0.2.10"]);
    while ((await status(second.ChangeInfo!.Id!)) !== "INSYNC") await cloud.clock.sleep(1_000);
    expect((await ask(zone.id, "www.example.com")).RecordData).toEqual(["192.0.2.20"]);
  });

  it("a name that exists with another type answers NOERROR without data; a private zone or an unknown zone is refused", async () => {
    const zone = cloud.putHostedZone("example.com");
    const change = await upsert(zone.id, "192.0.2.10");
    while ((await status(change.ChangeInfo!.Id!)) !== "INSYNC") await cloud.clock.sleep(1_000);
    expect(await ask(zone.id, "www.example.com", "AAAA")).toMatchObject({ ResponseCode: "NOERROR", RecordData: [] });
    // "This call only supports querying public hosted zones."
    const internal = cloud.putHostedZone("internal.example", { private: true });
    await expect(ask(internal.id, "www.internal.example")).rejects.toMatchObject({ name: "InvalidInput" });
    await expect(ask("/hostedzone/ZNOSUCHZONE", "www.example.com")).rejects.toMatchObject({ name: "NoSuchHostedZone" });
  });
});
