/**
 * One stack's teardown, as a person running `teardown` sees it: a stack found mid-operation (an earlier
 * run's deletion is followed, someone else's operation is waited for within a bound), a bucket already
 * gone, a read that fails while emptying, Ctrl-C between two destructive steps and while a deletion is
 * followed, and a deletion that fails or outlasts its bound. Against the stateful fake cloud, in virtual time.
 */
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, UpdateTerminationProtectionCommand } from "@aws-sdk/client-cloudformation";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_POLL } from "../src/orchestrator/watch.js";
import { environmentFrom, freshCliEachTest, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const QUEUE_ONLY = { Resources: { Queue: { Type: "AWS::SQS::Queue" } } };
const stackNameOf = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;

/** Runs `hook` right after each answered call of `Command` on this client, before the caller sees the answer. */
function afterEachAnswer(client: { send: (...args: never[]) => Promise<unknown> }, Command: abstract new (...args: never[]) => unknown, hook: (input: unknown) => void) {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  vi.spyOn(client, "send").mockImplementation((async (command: unknown) => {
    const answer = await send(command);
    if (command instanceof Command) hook((command as { input: unknown }).input);
    return answer;
  }) as never);
}

describe("one stack's teardown", () => {
  let h: Harness;
  let config: string;
  let cli: Cli;
  /** Resource types whose deletion CloudFormation takes hours over (set per test). */
  let slowToDelete = new Set<string>();
  freshCliEachTest(
    (world) => ({ h, config, cli } = world),
    () => {
      slowToDelete = new Set();
      return deployHarness({ latency: { resourceMs: (type) => (slowToDelete.has(type) ? 5 * 60 * 60_000 : 1_000) } });
    },
  );

  const jsonOf = (out: string) => JSON.parse(out.slice(out.indexOf("{\n"))) as { stacks: Record<string, { kind: string; durationMs?: number; notes?: string[] }> };

  describe("a stack found in the middle of an operation", () => {
    it("follows a deletion an earlier run started to its end, without asking for another", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY, status: "DELETE_IN_PROGRESS", completesAfterMs: 90_000 });

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
      expect(h.cloud.stack("alert-engine-domain-dev")).toBeUndefined();
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(cli.lastOutput()).toMatch(/domain\s+deleted in .*\n\s+DELETE_IN_PROGRESS from an earlier run: following it/);
      // Followed like our own deletion: its events from this run on are shown as they come.
      expect(cli.lastOutput()).toMatch(/Z domain\s+DELETE_COMPLETE\s+AWS::CloudFormation::Stack\n/);
    });

    it("waits for someone else's update to end, then deletes the stack", async () => {
      const start = h.cloud.clock.now();
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY, status: "UPDATE_IN_PROGRESS", completesAfterMs: 5 * 60_000 });

      expect(await cli.run(["teardown", "dev", "--yes", "--json"])).toBe(0);
      expect(h.cloud.stack("alert-engine-domain-dev")).toBeUndefined();
      const deletes = h.cloud.callsOf("DeleteStack");
      expect(deletes).toHaveLength(1);
      // Not before the other operation ended: CloudFormation refuses DeleteStack on a stack being updated.
      expect(deletes[0]!.at).toBeGreaterThanOrEqual(start + 5 * 60_000);
      const domain = jsonOf(cli.lastOutput()).stacks.domain!;
      expect(domain.kind).toBe("deleted");
      expect(domain.notes).toContain("UPDATE_IN_PROGRESS from another operation: waiting for it to finish");
      // The time counted is this run's: the wait and the deletion, no more.
      expect(domain.durationMs).toBeGreaterThanOrEqual(5 * 60_000);
      expect(domain.durationMs).toBeLessThanOrEqual(h.cloud.clock.now() - start);
    });

    it("gives up on someone else's operation after 30 min, deleting nothing and saying to run again", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY, status: "UPDATE_IN_PROGRESS", completesAfterMs: 2 * 60 * 60_000 });
      const start = h.cloud.clock.now();

      expect(await cli.run(["teardown", "dev", "--yes", "--json"])).toBe(1);
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(h.cloud.stack("alert-engine-domain-dev")?.status).toBe("UPDATE_IN_PROGRESS");
      const domain = jsonOf(cli.lastOutput()).stacks.domain!;
      expect(domain).toMatchObject({ kind: "failed", status: "UPDATE_IN_PROGRESS", message: "still UPDATE_IN_PROGRESS after 30 min; run teardown again later" });
      expect(domain.durationMs).toBeGreaterThanOrEqual(30 * 60_000);
      expect(domain.durationMs).toBeLessThanOrEqual(h.cloud.clock.now() - start);
    });

    it("a stack that someone else's operation removes while waited for is reported as not deployed, not as deleted by us", async () => {
      // CreateStack with OnFailure=DELETE: the failed creation ends with the stack deleted.
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY, status: "CREATE_IN_PROGRESS", completesAfterMs: 60_000, completesAs: "DELETE_COMPLETE" });

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(cli.lastOutput()).toMatch(/domain\s+not deployed: nothing to delete/);
      expect(cli.lastOutput()).not.toMatch(/domain\s+deleted/);
    });
  });

  describe("emptying a bucket", () => {
    const storageWithBucket = () => {
      h.cloud.putStack({ name: "alert-engine-storage-dev", template: { Resources: { Bucket: { Type: "AWS::S3::Bucket" } } } });
      return h.cloud.stack("alert-engine-storage-dev")!.resources.Bucket!.physicalId;
    };

    it("a bucket already gone (an earlier run got that far) is noted and the stack is deleted", async () => {
      const bucket = storageWithBucket();
      await h.clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
      expect(h.cloud.stack("alert-engine-storage-dev")).toBeUndefined();
      expect(cli.lastOutput()).toMatch(new RegExp(`storage\\s+deleted in .*\\n(\\s+.*\\n)*\\s+s3://${bucket} is already gone`));
    });

    it("a listing that fails while emptying stops that stack before DeleteStack, saying what failed", async () => {
      const bucket = storageWithBucket();
      h.cloud.putObject(bucket, "alerts/1.json");
      // The plan's count succeeds; the emptying's own listing is throttled past every retry.
      void h.cloud.answered("ListObjectVersions", 1).then(() => h.cloud.throttle({ command: "ListObjectVersions", times: 1_000 }));

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(h.cloud.stack("alert-engine-storage-dev")?.status).toBe("CREATE_COMPLETE");
      expect(h.cloud.bucket(bucket)!.entries.map((e) => e.key)).toEqual(["alerts/1.json"]);
      // S3's own words for throttling, not a guess that the bucket is gone.
      expect(cli.lastOutput()).toContain(`storage     FAILED: emptying s3://${bucket} failed: ThrottlingException: Rate exceeded; the stack was not deleted`);
      expect(cli.lastOutput()).not.toMatch(/already gone/);
    });

    it("an object S3 refuses to delete stops that stack, in the bucket's words", async () => {
      const bucket = storageWithBucket();
      h.cloud.putObject(bucket, "alerts/1.json");
      h.cloud.protectObject(bucket, "alerts/1.json");

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(cli.lastOutput()).toContain(`storage     FAILED: emptying s3://${bucket} failed: could not delete 1 of 1 objects in s3://${bucket} (alerts/1.json: AccessDenied`);
    });

    it("reports the running count while it empties", async () => {
      const bucket = storageWithBucket();
      for (let i = 0; i < 1_500; i++) h.cloud.putObject(bucket, `alerts/${i}.json`);

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
      const out = cli.lastOutput();
      expect(out).toMatch(new RegExp(`storage\\s+emptying s3://${bucket}\\n[\\s\\S]*storage\\s+emptying s3://${bucket}: 1000 deleted\\n`));
      // The summary keeps what was done to the stack's buckets under its line.
      expect(out).toMatch(new RegExp(`storage\\s+deleted in .*\\n\\s+emptying s3://${bucket}\\n\\s+s3://${bucket} emptied: 1500 object versions and delete markers deleted\\n`));
      // A stack without termination protection has none lifted.
      expect(h.cloud.callsOf("UpdateTerminationProtection")).toEqual([]);
      // The deletion's progress counts against the resources the plan found: the stack's one bucket.
      expect(out).toMatch(/storage\s+DELETE_COMPLETE\s+1\/1\s+AWS::CloudFormation::Stack/);
    });
  });

  describe("Ctrl-C", () => {
    it("after prod's backend lifts its termination protection: its load balancer keeps deletion protection, nothing is deleted", async () => {
      await h.deploy("prod", { env: environmentFrom(config, "prod") });
      const controller = new AbortController();
      afterEachAnswer(h.clients.cloudformation, UpdateTerminationProtectionCommand, (input) => {
        if (stackNameOf({ input }).includes("alert-engine-backend-prod")) controller.abort(new Error("Ctrl-C"));
      });
      const before = h.cloud.mutatingCalls().length;

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"], { signal: controller.signal })).toBe(130);
      expect(h.cloud.callsOf("ModifyLoadBalancerAttributes").filter((c) => h.cloud.calls.indexOf(c) >= before)).toEqual([]);
      expect(h.cloud.stack("alert-engine-backend-prod")?.status).toBe("CREATE_COMPLETE");
      expect(cli.lastOutput()).toMatch(/Z backend\s+termination protection lifted\n/);
      expect(cli.lastOutput()).toMatch(/backend\s+interrupted: done: termination protection lifted; not done: lifting load balancer deletion protection of arn:aws:elasticloadbalancing:\S+, DeleteStack/);
    });

    it("never comes: prod's summary lists, under each stack, the protections it lifted", async () => {
      await h.deploy("prod", { env: environmentFrom(config, "prod") });

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(0);
      const arn = (h.cloud.callsOf("ModifyLoadBalancerAttributes")[0]!.input as { LoadBalancerArn: string }).LoadBalancerArn;
      expect(cli.lastOutput()).toMatch(new RegExp(`backend\\s+deleted in .*\\n\\s+termination protection lifted\\n\\s+load balancer deletion protection lifted: ${arn.replace(/[/.]/g, "\\$&")}\\n`));
      expect(cli.lastOutput()).toMatch(/domain\s+deleted in .*\n\s+termination protection lifted\n/);
    });

    it("as a stack's teardown begins: its bucket is not emptied and it is not deleted", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      h.cloud.putStack({ name: "alert-engine-storage-dev", template: { Resources: { Bucket: { Type: "AWS::S3::Bucket" } } } });
      const bucket = h.cloud.stack("alert-engine-storage-dev")!.resources.Bucket!.physicalId;
      h.cloud.putObject(bucket, "alerts/1.json");
      const controller = new AbortController();
      // The storage node's first look at its stack, once the domain stack has gone (the plan read it before).
      afterEachAnswer(h.clients.cloudformation, DescribeStacksCommand, (input) => {
        if (h.cloud.stack("alert-engine-domain-dev") === undefined && stackNameOf({ input }) === "alert-engine-storage-dev") controller.abort(new Error("Ctrl-C"));
      });

      expect(await cli.run(["teardown", "dev", "--yes"], { signal: controller.signal })).toBe(130);
      expect(h.cloud.callsOf("DeleteObjects")).toEqual([]);
      expect(h.cloud.bucket(bucket)!.entries.map((e) => e.key)).toEqual(["alerts/1.json"]);
      expect(h.cloud.stack("alert-engine-storage-dev")?.status).toBe("CREATE_COMPLETE");
      expect(cli.lastOutput()).toMatch(new RegExp(`storage\\s+interrupted: nothing done; not done: emptying s3://${bucket}, DeleteStack`));
    });

    it("as prod's protected stack begins its teardown: its protection stays on, and the JSON says Ctrl-C stopped it", async () => {
      await h.deploy("prod", { env: environmentFrom(config, "prod") });
      const controller = new AbortController();
      // The domain node's own first look at its stack, after the plan's reads (the plan ends on GetTemplate).
      afterEachAnswer(h.clients.cloudformation, DescribeStacksCommand, (input) => {
        if (h.cloud.callsOf("GetTemplate").length >= 5 && stackNameOf({ input }) === "alert-engine-domain-prod") controller.abort(new Error("Ctrl-C"));
      });
      const before = h.cloud.mutatingCalls().length;

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod", "--json"], { signal: controller.signal })).toBe(130);
      expect(h.cloud.mutatingCalls().length).toBe(before);
      expect(h.cloud.stack("alert-engine-domain-prod")?.status).toBe("CREATE_COMPLETE");
      expect(jsonOf(cli.lastOutput()).stacks.domain).toEqual({ kind: "interrupted", message: "stopped by Ctrl-C", done: [], notDone: ["lifting termination protection", "DeleteStack"] });
    });

    it("as a stack without buckets or protections is about to be deleted: it is not deleted", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      const controller = new AbortController();
      afterEachAnswer(h.clients.cloudformation, DescribeStacksCommand, () => {
        if (h.cloud.callsOf("ListStackResources").length > 0) controller.abort(new Error("Ctrl-C"));
      });

      expect(await cli.run(["teardown", "dev", "--yes"], { signal: controller.signal })).toBe(130);
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(cli.lastOutput()).toMatch(/domain\s+interrupted: nothing done; not done: DeleteStack/);
    });

    it("while a deletion is followed: says DeleteStack was sent and CloudFormation carries on", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      const controller = new AbortController();
      afterEachAnswer(h.clients.cloudformation, DeleteStackCommand, () => controller.abort(new Error("Ctrl-C")));

      expect(await cli.run(["teardown", "dev", "--yes"], { signal: controller.signal })).toBe(130);
      expect(h.cloud.callsOf("DeleteStack")).toHaveLength(1);
      expect(cli.lastOutput()).toMatch(/domain\s+interrupted: done: DeleteStack sent: CloudFormation carries on deleting; not done: following the deletion to its end/);
    });
  });

  describe("a deletion that does not end well", () => {
    it("following it fails without a Ctrl-C: the stack is reported failed, not interrupted", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      afterEachAnswer(h.clients.cloudformation, DeleteStackCommand, () => h.cloud.networkError({ command: "DescribeStackEvents", times: 1_000 }));

      const start = h.cloud.clock.now();
      expect(await cli.run(["teardown", "dev", "--yes", "--json"])).toBe(1);
      expect(jsonOf(cli.lastOutput()).stacks.domain!.durationMs).toBeLessThanOrEqual(h.cloud.clock.now() - start);
      // DeleteStack was sent: CloudFormation deletes on whatever this machine's network does, and a rerun follows it.
      expect(cli.lastOutput()).toMatch(/domain\s+FAILED[^:]*: following the deletion failed: TimeoutError: socket hang up; CloudFormation carries on deleting: run the teardown again to follow it/);
      expect(jsonOf(cli.lastOutput()).stacks.domain!.kind).toBe("failed");
    });

    it("failing on a resource, with events that carry no request token and a local clock a little ahead: the resource is still named", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      h.cloud.failResource({ stack: "alert-engine-domain-dev", logicalId: "Queue", operation: "delete", reason: "Queue is in use" });
      // Events that lack the ClientRequestToken are told apart by time alone, and this machine's clock runs 0.5 s ahead of AWS's.
      const send = h.clients.cloudformation.send.bind(h.clients.cloudformation) as (command: unknown) => Promise<unknown>;
      vi.spyOn(h.clients.cloudformation, "send").mockImplementation((async (command: unknown) => {
        const answer = (await send(command)) as { StackEvents?: { ClientRequestToken?: string }[] };
        if (!(command instanceof DescribeStackEventsCommand)) return answer;
        return { ...answer, StackEvents: answer.StackEvents?.map(({ ClientRequestToken: _, ...event }) => event) };
      }) as never);
      const ahead = { now: () => h.cloud.clock.now() + 500, sleep: (ms: number) => h.cloud.clock.sleep(ms) };

      expect(await cli.run(["teardown", "dev", "--yes"], { clock: ahead })).toBe(1);
      expect(cli.lastOutput()).toMatch(/domain\s+FAILED: deletion failed \(DELETE_FAILED\) — Queue \(AWS::SQS::Queue\): Queue is in use/);
    });

    it("outlasting its bound: says how long it waited and stops waiting", async () => {
      slowToDelete.add("AWS::SQS::Queue");
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });

      expect(await cli.run(["teardown", "dev", "--yes"], { poll: { ...DEFAULT_POLL, operationTimeoutMs: 20 * 60_000 } })).toBe(1);
      expect(h.cloud.stack("alert-engine-domain-dev")?.status).toBe("DELETE_IN_PROGRESS");
      expect(cli.lastOutput()).toMatch(/domain\s+FAILED: still DELETE_IN_PROGRESS after 20 min; stopped waiting/);
      // DeleteStack's RetainResources applies only to a stack in DELETE_FAILED: no such command while it still deletes.
      expect(cli.lastOutput()).toContain("next step: CloudFormation carries on deleting; run the teardown again to follow it to its end");
      expect(cli.lastOutput()).not.toContain("--retain-resources");
    });

    it("failing on the stack itself, not a resource: the next step offers no resource to retain", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      h.cloud.failStackDeletion({ stack: "alert-engine-domain-dev", reason: "Role arn:aws:iam::123456789012:role/gone is invalid or cannot be assumed" });

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
      const out = cli.lastOutput();
      expect(out).toMatch(/domain\s+FAILED: deletion failed \(DELETE_FAILED\) — .*Role arn:aws:iam::123456789012:role\/gone is invalid or cannot be assumed/);
      // RetainResources takes logical IDs of the stack's resources: the stack's own name there is refused.
      expect(out).toContain("next step: fix what CloudFormation reported above, then run the teardown again");
      expect(out).not.toContain("--retain-resources");
    });

    it("failing on a resource: the next step names it, and how to leave it behind in this region", async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: QUEUE_ONLY });
      h.cloud.failResource({ stack: "alert-engine-domain-dev", logicalId: "Queue", operation: "delete", reason: "Queue is in use" });

      expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
      expect(cli.lastOutput()).toContain(
        "next step: remove or fix what blocks Queue, then run the teardown again; to leave that resource behind instead: aws cloudformation delete-stack --stack-name alert-engine-domain-dev --retain-resources Queue --region us-east-2",
      );
    });
  });
});
