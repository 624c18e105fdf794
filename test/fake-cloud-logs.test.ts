/**
 * The fake's CloudWatch Logs behaves as the FilterLogEvents reference says (see test/support/fake-cloud/logs.ts),
 * driven through the real SDK client; and no client the orchestrator creates can get past the fake to the network.
 */
import { CloudFormationClient, DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from "@aws-sdk/client-cloudwatch-logs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AwsClients } from "../src/aws/clients.js";
import { fakeCredentialsClients } from "./support/deploy-harness.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const GROUP = "/aws/ecs/alert-engine-dev";
const STREAM = "mcp-server/mcp-server/0a1b2c3d4e5f60718293a4b5c6d7e8f9";

describe("fake CloudWatch Logs: FilterLogEvents", () => {
  let cloud: FakeCloud;
  let client: CloudWatchLogsClient;
  beforeEach(() => {
    cloud = createFakeCloud();
    client = new CloudWatchLogsClient({ region: "us-east-2" });
  });
  afterEach(() => cloud.restore());

  const filter = (input: Partial<FilterLogEventsCommandInput> = {}) => client.send(new FilterLogEventsCommand({ logGroupName: GROUP, ...input }));
  const messages = async (input: Partial<FilterLogEventsCommandInput> = {}) => ((await filter(input)).events ?? []).map((e) => e.message);

  it("a missing group is a ResourceNotFoundException", async () => {
    await expect(filter()).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("startTime and endTime are inclusive; events come oldest first, whatever order they were written in", async () => {
    cloud.logs.createGroup(GROUP);
    const t = cloud.clock.now();
    cloud.logs.append(GROUP, STREAM, "c", t - 1_000);
    cloud.logs.append(GROUP, STREAM, "a", t - 3_000);
    cloud.logs.append(GROUP, STREAM, "b", t - 2_000);
    expect(await messages()).toEqual(["a", "b", "c"]);
    expect(await messages({ startTime: t - 2_000, endTime: t - 1_000 })).toEqual(["b", "c"]);
    expect(await messages({ startTime: t - 2_000, endTime: t - 2_000 })).toEqual(["b"]);
  });

  it("an event is seen once CloudWatch has ingested it, not before", async () => {
    cloud.logs.createGroup(GROUP);
    cloud.logs.append(GROUP, STREAM, "later", cloud.clock.now() + 5_000);
    expect(await messages()).toEqual([]);
    cloud.clock.advance(5_000);
    expect(await messages()).toEqual(["later"]);
  });

  it("pages of at most `limit` (default 10,000) with a nextToken until the last", async () => {
    cloud.logs.createGroup(GROUP);
    for (let i = 0; i < 5; i++) cloud.logs.append(GROUP, STREAM, `m${i}`, cloud.clock.now() - 10 + i);
    const first = await filter({ limit: 2 });
    expect(first.events?.map((e) => e.message)).toEqual(["m0", "m1"]);
    const second = await filter({ limit: 2, nextToken: first.nextToken });
    const third = await filter({ limit: 2, nextToken: second.nextToken });
    expect(third.events?.map((e) => e.message)).toEqual(["m4"]);
    expect(third.nextToken).toBeUndefined();
    await expect(filter({ limit: 10_001 })).rejects.toMatchObject({ name: "InvalidParameterException" });
  });

  it("filter patterns: every term, a quoted phrase, ?any, -excluded; case sensitive", async () => {
    cloud.logs.createGroup(GROUP);
    const t = cloud.clock.now();
    ["ERROR timeout in db", "timeout then ERROR", "error timeout", "WARN slow", "ERROR health"].forEach((m, i) => cloud.logs.append(GROUP, STREAM, m, t - 10 + i));
    expect(await messages({ filterPattern: "ERROR timeout" })).toEqual(["ERROR timeout in db", "timeout then ERROR"]);
    expect(await messages({ filterPattern: '"ERROR timeout"' })).toEqual(["ERROR timeout in db"]);
    expect(await messages({ filterPattern: "?WARN ?health" })).toEqual(["WARN slow", "ERROR health"]);
    expect(await messages({ filterPattern: "ERROR -health" })).toEqual(["ERROR timeout in db", "timeout then ERROR"]);
  });

  it("the network stack's AWS::Logs::LogGroup creates the group, and deleting the stack removes it", async () => {
    cloud.putStack({ name: "alert-engine-network-dev", template: { Resources: { ServiceLogGroup: { Type: "AWS::Logs::LogGroup", Properties: { LogGroupName: GROUP } } } } });
    expect(cloud.logs.hasGroup(GROUP)).toBe(true);
    await new CloudFormationClient({ region: "us-east-2" }).send(new DeleteStackCommand({ StackName: "alert-engine-network-dev" }));
    cloud.clock.advance(60_000);
    expect(cloud.stack("alert-engine-network-dev")).toBeUndefined();
    expect(cloud.logs.hasGroup(GROUP)).toBe(false);
  });
});

describe("no client reaches the network", () => {
  let cloud: FakeCloud;
  beforeEach(() => (cloud = createFakeCloud()));
  afterEach(() => cloud.restore());

  it("every client createClients makes is answered by the fake (an unknown command fails loudly, it is never sent)", async () => {
    const clients = fakeCredentialsClients();
    class ProbeCommand {
      readonly input = {};
    }
    const names = ["cloudformation", "acm", "route53", "ecr", "s3", "sts", "ec2", "ecs", "elbv2", "logs"] as const satisfies readonly (keyof AwsClients)[];
    for (const name of names) {
      if (name === "logs") await import("../src/aws/logs.js");
      if (name === "ec2") await import("../src/aws/ec2.js");
      const client = clients[name] as unknown as { send(command: object): Promise<unknown> };
      await expect(client.send(new ProbeCommand()), name).rejects.toThrow(/FakeCloud: unexpected ProbeCommand/);
    }
  });
});
