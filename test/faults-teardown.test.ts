/**
 * Teardown under faults: a read it needs fails (nothing may be destroyed on a guess), and Ctrl-C
 * while it destroys (nothing new may start). Against the stateful fake cloud, in virtual time.
 */
import { CloudFormationServiceException, GetTemplateCommand, UpdateTerminationProtectionCommand } from "@aws-sdk/client-cloudformation";
import { DeleteObjectsCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { awsError } from "./support/fake-cloud/errors.js";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const STACKS = ["network", "storage", "auth", "backend", "domain"] as const;

/** What IAM answers a caller without cloudformation:GetTemplate: 403 AccessDenied naming the action and the stack. */
const getTemplateDenied = (account: string, stack: string) =>
  awsError(
    CloudFormationServiceException,
    "AccessDenied",
    `User: arn:aws:iam::${account}:user/fake-deployer is not authorized to perform: cloudformation:GetTemplate on resource: arn:aws:cloudformation:us-east-2:${account}:stack/${stack}/* because no identity-based policy allows the cloudformation:GetTemplate action`,
    { status: 403 },
  );

/**
 * Runs `hook` right after each answered call of `Command` on this client, before the caller sees the
 * answer: the moment a person's Ctrl-C lands while that request is in flight.
 */
function afterEachAnswer(client: { send: (...args: never[]) => Promise<unknown> }, Command: abstract new (...args: never[]) => unknown, hook: () => void) {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  vi.spyOn(client, "send").mockImplementation((async (command: unknown) => {
    const answer = await send(command);
    if (command instanceof Command) hook();
    return answer;
  }) as never);
}

describe("teardown faults", () => {
  let h: Harness;
  let cli: Cli;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  describe("a read teardown needs fails: it stops before anything is destroyed", () => {
    let retainingBucket: string;
    beforeEach(async () => {
      h = deployHarness();
      // Deployed as prod is (Retain on the bucket), holding data.
      await h.deploy("prod", { env: environmentFrom(writeConfig(h.cloud.account), "prod") });
      retainingBucket = h.cloud.stack("alert-engine-storage-prod")!.outputs.BucketName!;
      for (let i = 0; i < 5; i++) h.cloud.putObject(retainingBucket, `alerts/${i}.json`, { versioned: true });
    });
    const untouched = (before: number) => {
      expect(h.cloud.mutatingCalls().length).toBe(before);
      expect(h.cloud.callsOf("DeleteObjects")).toEqual([]);
      expect(h.cloud.callsOf("DeleteStack")).toEqual([]);
      expect(h.cloud.bucket(retainingBucket)!.entries.filter((e) => e.key.endsWith(".json"))).toHaveLength(5);
      for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)?.status).toBe("CREATE_COMPLETE");
    };

    it("GetTemplate denied, and today's config says retainData: false: exit 1, naming GetTemplate, the stack and why", async () => {
      // The config no longer retains prod's data; the deployed stack still does, and only it may decide.
      cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false, terminationProtection: false } }));
      h.cloud.mocks.CloudFormation.on(GetTemplateCommand, { StackName: "alert-engine-storage-prod" }).rejects(getTemplateDenied(h.cloud.account, "alert-engine-storage-prod"));
      const before = h.cloud.mutatingCalls().length;

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(1);
      const out = cli.output();
      expect(out).toMatch(/GetTemplate of alert-engine-storage-prod failed: AWS said AccessDenied: .*not authorized to perform: cloudformation:GetTemplate/);
      expect(out).toMatch(/nothing was deleted/);
      untouched(before);
    });

    it("GetTemplate throttled past every retry: exit 1, nothing destroyed", async () => {
      cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false } }));
      h.cloud.throttle({ command: "GetTemplate", times: 1_000 });
      const before = h.cloud.mutatingCalls().length;

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(1);
      expect(cli.output()).toMatch(/GetTemplate of alert-engine-\w+-prod failed: AWS said ThrottlingException: Rate exceeded/);
      untouched(before);
    });

    it("ListStackResources failing: exit 1, naming it and the stack", async () => {
      cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false } }));
      h.cloud.networkError({ command: "ListStackResources", times: 1_000 });
      const before = h.cloud.mutatingCalls().length;

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(1);
      expect(cli.output()).toMatch(/ListStackResources of alert-engine-\w+-prod failed: cannot reach AWS: the connection was reset \(ECONNRESET\)/);
      untouched(before);
    });

    it("a deployed template it cannot understand (YAML): exit 1, nothing destroyed", async () => {
      cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false } }));
      h.cloud.changeStackBehindOurBack("alert-engine-storage-prod", (stack) => {
        stack.templateBody = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n";
      });
      const before = h.cloud.mutatingCalls().length;

      expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(1);
      expect(cli.output()).toMatch(/reading the deployed template of alert-engine-storage-prod failed: it is not JSON with Resources/);
      untouched(before);
    });
  });

  it("ListObjectVersions failing while the plan counts a bucket: exit 1, nothing emptied or deleted", async () => {
    h = deployHarness();
    const config = writeConfig(h.cloud.account);
    cli = cliHarness(h, config);
    await h.deploy("stage", { env: environmentFrom(config, "stage") });
    const bucket = h.cloud.stack("alert-engine-storage-stage")!.outputs.BucketName!;
    h.cloud.throttle({ command: "ListObjectVersions", times: 1_000 });
    const before = h.cloud.mutatingCalls().length;

    expect(await cli.run(["teardown", "stage", "--yes"])).toBe(1);
    expect(cli.output()).toContain(`ListObjectVersions of s3://${bucket} (alert-engine-storage-stage) failed: AWS said ThrottlingException`);
    expect(h.cloud.mutatingCalls().length).toBe(before);
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-stage`)?.status).toBe("CREATE_COMPLETE");
  });

  /** stage deployed, its data bucket holding 2,500 versioned objects: three DeleteObjects batches to empty it. */
  async function stageWithFullBucket() {
    h = deployHarness();
    const config = writeConfig(h.cloud.account);
    cli = cliHarness(h, config);
    await h.deploy("stage", { env: environmentFrom(config, "stage") });
    const bucket = h.cloud.stack("alert-engine-storage-stage")!.outputs.BucketName!;
    for (let i = 0; i < 2_500; i++) h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true });
    return { bucket, versions: h.cloud.bucket(bucket)!.entries.length };
  }

  it("Ctrl-C during bucket emptying: the batch in flight finishes, nothing else starts, exit 130", async () => {
    const { bucket, versions } = await stageWithFullBucket();

    const controller = new AbortController();
    let callsAtCtrlC = -1;
    afterEachAnswer(h.clients.s3, DeleteObjectsCommand, () => {
      if (controller.signal.aborted) return;
      callsAtCtrlC = h.cloud.calls.length;
      controller.abort(new Error("Ctrl-C"));
    });

    expect(await cli.run(["teardown", "stage", "--yes"], { signal: controller.signal })).toBe(130);
    expect(h.cloud.callsOf("DeleteObjects")).toHaveLength(1);
    const afterCtrlC = h.cloud.mutatingCalls().filter((c) => h.cloud.calls.indexOf(c) >= callsAtCtrlC);
    expect(afterCtrlC.map((c) => c.command)).toEqual([]);
    // Not even a listing of what is left: a Ctrl-C stops the emptying without another request to the bucket.
    expect(h.cloud.calls.slice(callsAtCtrlC).filter((c) => c.service === "S3").map((c) => c.command)).toEqual([]);
    expect(h.cloud.stack("alert-engine-storage-stage")?.status).toBe("CREATE_COMPLETE");
    expect(h.cloud.bucket(bucket)!.entries).toHaveLength(versions - 1_000);

    const out = cli.output();
    expect(out).toMatch(/stage: INTERRUPTED/);
    expect(out).toMatch(new RegExp(`storage\\s+interrupted: done: s3://${bucket} partly emptied \\(1000 object versions and delete markers deleted\\); not done: emptying s3://${bucket}, DeleteStack`));
  });

  it("Ctrl-C while the next round's listing is in flight: no further batch is deleted, exit 130", async () => {
    const { bucket, versions } = await stageWithFullBucket();

    const controller = new AbortController();
    // The listing that follows the first batch: the plan's counting came before any DeleteObjects.
    afterEachAnswer(h.clients.s3, ListObjectVersionsCommand, () => {
      if (h.cloud.callsOf("DeleteObjects").length === 1) controller.abort(new Error("Ctrl-C"));
    });

    expect(await cli.run(["teardown", "stage", "--yes"], { signal: controller.signal })).toBe(130);
    expect(h.cloud.callsOf("DeleteObjects")).toHaveLength(1);
    expect(h.cloud.bucket(bucket)!.entries).toHaveLength(versions - 1_000);
    expect(h.cloud.stack("alert-engine-storage-stage")?.status).toBe("CREATE_COMPLETE");
    expect(cli.output()).toMatch(new RegExp(`storage\\s+interrupted: done: s3://${bucket} partly emptied \\(1000 object versions and delete markers deleted\\); not done: emptying s3://${bucket}, DeleteStack`));
  });

  it("Ctrl-C after prod's first protection is lifted: no other protection is lifted and nothing is deleted, exit 130", async () => {
    h = deployHarness();
    const config = writeConfig(h.cloud.account);
    cli = cliHarness(h, config);
    await h.deploy("prod", { env: environmentFrom(config, "prod") });
    const controller = new AbortController();
    afterEachAnswer(h.clients.cloudformation, UpdateTerminationProtectionCommand, () => controller.abort(new Error("Ctrl-C")));
    const before = h.cloud.mutatingCalls().length;

    expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"], { signal: controller.signal })).toBe(130);
    expect(h.cloud.mutatingCalls().slice(before).map((c) => c.command)).toEqual(["UpdateTerminationProtection"]);
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)?.status).toBe("CREATE_COMPLETE");
    expect(cli.output()).toMatch(/domain\s+interrupted: done: termination protection lifted; not done: DeleteStack/);
    expect(cli.output()).toMatch(/backend\s+skipped: not started: interrupted/);
  });
});
