import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClients, type AwsClients } from "../src/aws/clients.js";
import { S3Api } from "../src/aws/s3.js";
import { loadEnvironment } from "../src/env/load.js";
import { apiUrl, type Environment } from "../src/env/model.js";
import { afterStackSteps, diagnoseStack, writeOutputsFile } from "../src/orchestrator/deploy/post-deploy.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { deployHarness } from "./support/deploy-harness.js";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const RETRY = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 };
const FAILED: NodeResult = { kind: "failed", message: "backend: UPDATE_ROLLBACK_COMPLETE", durationMs: 1 };

let cloud: FakeCloud;
let clients: AwsClients;
let env: Environment;

beforeEach(() => {
  cloud = createFakeCloud();
  clients = createClients({ region: "us-east-2" });
  env = loadEnvironment("dev", { vars: {}, cwd: "/nonexistent" });
});
afterEach(() => cloud.restore());

describe("after the network stack: the default security group (CIS 5.4)", () => {
  it("revokes every ingress and egress rule, and a rerun only reads", async () => {
    const vpc = cloud.putVpc();
    const after = afterStackSteps({ env, clients, retry: RETRY });
    const notes = await after("network", { VpcId: vpc.vpcId, DefaultSecurityGroupId: vpc.defaultSecurityGroupId });
    expect(notes).toEqual([`default security group ${vpc.defaultSecurityGroupId}: removed 1 ingress and 1 egress rule(s) (CIS 5.4)`]);
    expect(cloud.securityGroup(vpc.defaultSecurityGroupId)).toMatchObject({ ingress: [], egress: [] });

    const mutatingBefore = cloud.mutatingCalls().length;
    expect(await after("network", { VpcId: vpc.vpcId, DefaultSecurityGroupId: vpc.defaultSecurityGroupId })).toEqual([]);
    expect(cloud.mutatingCalls()).toHaveLength(mutatingBefore);
  });

  it("finds the group by VPC when only VpcId is given", async () => {
    const vpc = cloud.putVpc();
    await afterStackSteps({ env, clients, retry: RETRY })("network", { VpcId: vpc.vpcId });
    expect(cloud.securityGroup(vpc.defaultSecurityGroupId)).toMatchObject({ ingress: [], egress: [] });
  });

  it("fails the network node with what to do when EC2 refuses", async () => {
    await expect(afterStackSteps({ env, clients, retry: RETRY })("network", { DefaultSecurityGroupId: "sg-0missing" })).rejects.toThrow(
      /restricting its default security group sg-0missing failed: .*Rerun the deploy to retry/,
    );
  });
});

describe("after the storage stack: folder markers", () => {
  it("creates the missing markers and never overwrites an existing key", async () => {
    cloud.putObject("data-bucket", "alerts/", { body: "kept" });
    const after = afterStackSteps({ env, clients, retry: RETRY });
    expect(await after("storage", { BucketName: "data-bucket" })).toEqual(["created folder markers logs/ configs/ data/ temp/ in s3://data-bucket"]);
    expect(cloud.bucket("data-bucket")!.entries.map((e) => e.key).sort()).toEqual(["alerts/", "configs/", "data/", "logs/", "temp/"]);
    expect(cloud.callsOf("PutObject").map((c) => (c.input as { Key: string }).Key)).not.toContain("alerts/");

    expect(await after("storage", { BucketName: "data-bucket" })).toEqual([]);
    expect(cloud.callsOf("PutObject")).toHaveLength(4);
  });

  it("does nothing for the other stacks", async () => {
    expect(await afterStackSteps({ env, clients, retry: RETRY })("auth", {})).toEqual([]);
    expect(cloud.calls).toEqual([]);
  });
});

describe("diagnosis of a backend that does not stabilise", () => {
  it("reports the stopped tasks' reasons, the target health and the latest service events, from ECS itself", async () => {
    cloud.putStack({
      name: "alert-engine-backend-dev",
      status: "UPDATE_ROLLBACK_COMPLETE",
      template: { Resources: { Topic: { Type: "AWS::SNS::Topic" } } },
      outputs: { ServiceName: "alert-engine-backend-dev", TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/ae-dev/0123456789abcdef" },
    });
    cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", exitCode: 3 });
    cloud.putService({ cluster: "alert-engine-cluster-dev", name: "alert-engine-backend-dev", steady: false });
    cloud.clock.advance(3 * 60_000); // long enough for the crash loop to stop a few tasks
    cloud.targetHealth([{ state: "unhealthy", reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [404]", targetId: "10.0.16.10", port: 8000 }]);

    const command = (words: string) => `npm run orchestrate -- ${words} --profile dev-admin`;
    const findings = await diagnoseStack({ env, clients, retry: RETRY, command })("backend", FAILED);
    expect(findings).toEqual([
      "ECS service alert-engine-backend-dev in alert-engine-cluster-dev: 0/1 tasks running",
      expect.stringMatching(/^[2-9] stopped tasks: Essential container in task exited; app: exit code 3 \(the server exited: read its logs with npm run orchestrate -- logs dev --since 1h --profile dev-admin\)$/),
      "target 10.0.16.10:8000 unhealthy — Target.ResponseCodeMismatch: Health checks failed with these codes: [404] (the health check got the wrong status: /health must answer 200)",
      expect.stringMatching(/^service event: \(service alert-engine-backend-dev\) has started 1 tasks/),
      expect.stringMatching(/^service event: \(service alert-engine-backend-dev\) /),
      expect.stringMatching(/^service event: \(service alert-engine-backend-dev\) /),
    ]);
    expect(cloud.callsOf("ListTasks")[0]!.input).toMatchObject({ cluster: "alert-engine-cluster-dev", serviceName: "alert-engine-backend-dev", desiredStatus: "STOPPED" });
    expect(cloud.mutatingCalls()).toEqual([]);
  });

  it("names a pull failure with its container reason", async () => {
    cloud.ecsTrouble({ stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)", containerReason: "CannotPullContainerError: ref not found" });
    cloud.putService({ cluster: "alert-engine-cluster-dev", name: "alert-engine-backend-dev", steady: false });
    cloud.clock.advance(2 * 60_000);
    const findings = await diagnoseStack({ env, clients, retry: RETRY })("backend", FAILED);
    expect(findings[1]).toContain("app: CannotPullContainerError: ref not found");
    expect(findings[1]).toContain("the image cannot be pulled");
  });

  it("leaves other stacks and successes alone", async () => {
    const diagnose = diagnoseStack({ env, clients, retry: RETRY });
    expect(await diagnose("network", FAILED)).toEqual([]);
    expect(await diagnose("backend", { kind: "unchanged", outputs: {}, durationMs: 0 })).toEqual([]);
    expect(cloud.calls).toEqual([]);
  });
});

describe("outputs", () => {
  it("apiUrl is the environment's API domain over https", () => {
    expect(apiUrl(env)).toBe("https://api.dev-alert-engine.totogicore.com");
    expect(apiUrl(loadEnvironment("prod", { vars: {}, cwd: "/nonexistent" }))).toBe("https://api.alert-engine.totogicore.com");
  });
});

describe("S3 helpers teardown will use", () => {
  it("emptyBucket deletes every version and delete marker, at most 1000 per call", async () => {
    for (let i = 0; i < 1200; i++) cloud.putObject("versioned", `data/${i}.json`, { versioned: true });
    for (let i = 0; i < 300; i++) cloud.putObject("versioned", `data/${i}.json`, { versioned: true });
    for (let i = 0; i < 100; i++) cloud.deleteObject("versioned", `data/${i}.json`);
    const progress: number[] = [];
    const emptied = await new S3Api(clients.s3, RETRY).emptyBucket("versioned", { onProgress: (n) => progress.push(n) });
    expect(emptied).toEqual({ deleted: 1600, stopped: false });
    expect(progress).toEqual([1000, 1600]);
    expect(cloud.bucket("versioned")!.entries).toEqual([]);
    for (const call of cloud.callsOf("DeleteObjects")) expect((call.input as { Delete: { Objects: unknown[] } }).Delete.Objects.length).toBeLessThanOrEqual(1000);
  });

  it("putObjectIfMissing and upload", async () => {
    cloud.putBucket("b");
    const s3 = new S3Api(clients.s3, RETRY);
    expect(await s3.putObjectIfMissing("b", "configs/a.json", "{}")).toBe(true);
    expect(await s3.putObjectIfMissing("b", "configs/a.json", "other")).toBe(false);
    await s3.upload("b", "configs/b.json", "x");
    expect(await s3.uploadTemplate("b", "alert-engine/dev/backend.json", "{}")).toBe("https://b.s3.us-east-2.amazonaws.com/alert-engine/dev/backend.json");
    expect(cloud.bucket("b")!.entries.map((e) => e.key).sort()).toEqual(["alert-engine/dev/backend.json", "configs/a.json", "configs/b.json"]);
  });
});

describe("a deploy whose backend fails (through the engine)", () => {
  let harness: ReturnType<typeof deployHarness>;
  beforeEach(() => {
    cloud.restore(); // the harness brings its own fake cloud
    harness = deployHarness();
  });
  afterEach(() => harness.cloud.restore());

  it("restricts the default group, writes the markers, diagnoses ECS and writes the outputs of what did deploy", async () => {
    const { cloud: fake } = harness;
    fake.failResource({ stack: "alert-engine-backend-dev", logicalId: "Service", reason: "Resource handler returned message: \"Service did not stabilize\"" });
    fake.ecsTrouble({ stoppedReason: "Essential container in task exited", exitCode: 1 });
    const report = await harness.deploy("dev");

    const backend = report.results.get("backend");
    expect(backend?.kind).toBe("failed");
    expect(backend?.kind === "failed" && backend.evidence?.join("\n")).toMatch(/stopped tasks?: Essential container in task exited/);

    const network = report.results.get("network");
    expect(network?.kind === "deployed" && network.notes?.join()).toContain("(CIS 5.4)");
    const groupId = network?.kind === "deployed" ? network.outputs.DefaultSecurityGroupId! : "";
    expect(fake.securityGroup(groupId)).toMatchObject({ ingress: [], egress: [] });
    const storage = report.results.get("storage");
    const bucket = storage?.kind === "deployed" ? storage.outputs.BucketName! : "";
    expect(fake.bucket(bucket)!.entries.map((e) => e.key).sort()).toEqual(["alerts/", "configs/", "data/", "logs/", "temp/"]);

    const file = join(mkdtempSync(join(tmpdir(), "outputs-")), "nested", "outputs.json");
    writeOutputsFile(file, report);
    const written = JSON.parse(readFileSync(file, "utf8"));
    expect(written).toMatchObject({ environment: "dev", region: "us-east-2", apiUrl: "https://api.dev-alert-engine.totogicore.com", complete: false });
    expect(Object.keys(written.outputs).sort()).toEqual(["auth", "certificate", "network", "storage"]);
    expect(written.notDeployed.sort()).toEqual(["backend", "domain"]);
    expect(written.outputs.network.VpcId).toMatch(/^vpc-/);
    expect(written.outputs.certificate.CertificateArn).toMatch(/^arn:aws:acm:us-east-2:/);
  });
});
