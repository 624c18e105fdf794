/**
 * The fake cloud must behave like AWS where the orchestrator depends on it, or tests built on it
 * prove nothing. These drive the real SDK clients against it.
 */
import {
  ACMClient,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  RequestCertificateCommand,
  ResourceInUseException,
  type ResourceRecord,
} from "@aws-sdk/client-acm";
import {
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteStackCommand,
  ListChangeSetsCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  InsufficientCapabilitiesException,
  ListStackResourcesCommand,
  UpdateTerminationProtectionCommand,
  type CreateChangeSetCommandInput,
  type DescribeChangeSetCommandOutput,
  type Stack,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand, ImageNotFoundException, RepositoryNotFoundException } from "@aws-sdk/client-ecr";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  type ObjectIdentifier,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeCloud, NO_CHANGES_REASON, type FakeCloud } from "./support/fake-cloud.js";

const config = { region: "us-east-2", credentials: { accessKeyId: "x", secretAccessKey: "y" } };

const template = {
  AWSTemplateFormatVersion: "2010-09-09",
  Description: "fake cloud test stack",
  Parameters: { Env: { Type: "String" } },
  Resources: {
    Vpc: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
    Subnet: {
      Type: "AWS::EC2::Subnet",
      Properties: { VpcId: { Ref: "Vpc" }, CidrBlock: "10.0.0.0/24", AvailabilityZone: { "Fn::Select": ["0", { "Fn::GetAZs": "" }] } },
    },
    Bucket: { Type: "AWS::S3::Bucket", Properties: { VersioningConfiguration: { Status: "Enabled" } } },
  },
  Outputs: {
    VpcId: { Value: { Ref: "Vpc" } },
    BucketName: { Value: { Ref: "Bucket" } },
    Label: { Value: { "Fn::Sub": "${AWS::StackName}-${Env}" }, Export: { Name: { "Fn::Sub": "${AWS::StackName}-Label" } } },
  },
};
type TestTemplate = typeof template & Record<string, unknown>;
const body = (t: object = template) => JSON.stringify(t, null, 2);

let cloud: FakeCloud;
let cfn: CloudFormationClient;

beforeEach(() => {
  cloud = createFakeCloud();
  cfn = new CloudFormationClient(config);
});
afterEach(() => cloud.restore());

async function changeSet(input: Partial<CreateChangeSetCommandInput> = {}): Promise<DescribeChangeSetCommandOutput> {
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: "app-dev-network",
      ChangeSetName: `cs-${cloud.calls.length}`,
      ChangeSetType: "CREATE",
      TemplateBody: body(),
      Parameters: [{ ParameterKey: "Env", ParameterValue: "dev" }],
      ...input,
    }),
  );
  for (;;) {
    const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    if (described.Status !== "CREATE_PENDING" && described.Status !== "CREATE_IN_PROGRESS") return described;
    await cloud.clock.sleep(1_000);
  }
}

async function settled(name = "app-dev-network"): Promise<Stack> {
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith("_IN_PROGRESS")) return stack;
    await cloud.clock.sleep(5_000);
  }
}

async function deploy(input: Partial<CreateChangeSetCommandInput> = {}): Promise<Stack> {
  const cs = await changeSet(input);
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
  return settled(input.StackName);
}

async function allEvents(name = "app-dev-network"): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: name, NextToken }));
    events.push(...page.StackEvents!);
    NextToken = page.NextToken;
  } while (NextToken);
  return events;
}

describe("CloudFormation change sets", () => {
  it("creates a stack through a change set, with events and evaluated outputs", async () => {
    const cs = await changeSet();
    expect(cs.Status).toBe("CREATE_COMPLETE");
    expect(cs.ExecutionStatus).toBe("AVAILABLE");
    expect(cs.Changes!.map((c) => [c.ResourceChange!.Action, c.ResourceChange!.LogicalResourceId])).toEqual([
      ["Add", "Vpc"],
      ["Add", "Subnet"],
      ["Add", "Bucket"],
    ]);
    expect(cloud.stack("app-dev-network")!.status).toBe("REVIEW_IN_PROGRESS");

    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetName, StackName: "app-dev-network" }));
    expect(cloud.stack("app-dev-network")!.status).toBe("CREATE_IN_PROGRESS");
    const started = cloud.clock.now();
    const stack = await settled();

    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack.StackId).toMatch(/^arn:aws:cloudformation:us-east-2:123456789012:stack\/app-dev-network\/[0-9a-f-]{36}$/);
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs["VpcId"]).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(outputs["Label"]).toBe("app-dev-network-dev");
    expect(stack.Outputs!.find((o) => o.OutputKey === "Label")!.ExportName).toBe("app-dev-network-Label");
    expect(cloud.clock.now() - started).toBeGreaterThanOrEqual(3_000);

    const events = (await allEvents()).reverse();
    expect(events.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`)).toEqual([
      "app-dev-network REVIEW_IN_PROGRESS",
      "app-dev-network CREATE_IN_PROGRESS",
      "Vpc CREATE_IN_PROGRESS",
      "Vpc CREATE_COMPLETE",
      "Subnet CREATE_IN_PROGRESS",
      "Subnet CREATE_COMPLETE",
      "Bucket CREATE_IN_PROGRESS",
      "Bucket CREATE_COMPLETE",
      "app-dev-network CREATE_COMPLETE",
    ]);
    expect(events[3]!.PhysicalResourceId).toBe(outputs["VpcId"]);
    expect(events.map((e) => e.Timestamp!.getTime())).toEqual([...events.map((e) => e.Timestamp!.getTime())].sort((a, b) => a - b));

    // The bucket the stack created is a real bucket in the fake S3, and the VPC has its default group.
    expect(cloud.bucket(outputs["BucketName"]!)?.versioning).toBe("Enabled");
    const groups = await new EC2Client(config).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [outputs["VpcId"]!] }] }));
    expect(groups.SecurityGroups!.map((g) => g.GroupName)).toEqual(["default"]);

    const templateBack = await cfn.send(new GetTemplateCommand({ StackName: "app-dev-network" }));
    expect(templateBack.TemplateBody).toBe(body());
    const resources = await cfn.send(new ListStackResourcesCommand({ StackName: "app-dev-network" }));
    expect(resources.StackResourceSummaries!.map((r) => r.ResourceStatus)).toEqual(["CREATE_COMPLETE", "CREATE_COMPLETE", "CREATE_COMPLETE"]);
  });

  it("fails a change set that changes nothing, with CloudFormation's exact reason", async () => {
    await deploy();
    const cs = await changeSet({ ChangeSetType: "UPDATE" });
    expect(cs.Status).toBe("FAILED");
    expect(cs.ExecutionStatus).toBe("UNAVAILABLE");
    expect(cs.StatusReason).toBe("The submitted information didn't contain changes. Submit different information to create a change set.");
    expect(cs.StatusReason).toBe(NO_CHANGES_REASON);
    await expect(cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }))).rejects.toMatchObject({
      name: "InvalidChangeSetStatusException",
      message: expect.stringContaining("cannot be executed in its current status of [FAILED]"),
    });
  });

  it("accepts an outputs-only change: available, with no resource changes, and outputs stay stable", async () => {
    const before = await deploy();
    const withExtraOutput = { ...template, Outputs: { ...template.Outputs, SubnetId: { Value: { Ref: "Subnet" } } } };
    const cs = await changeSet({ ChangeSetType: "UPDATE", TemplateBody: body(withExtraOutput) });
    expect(cs.Status).toBe("CREATE_COMPLETE");
    expect(cs.ExecutionStatus).toBe("AVAILABLE");
    expect(cs.Changes).toEqual([]);

    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
    const after = await settled();
    expect(after.StackStatus).toBe("UPDATE_COMPLETE");
    for (const output of before.Outputs!) expect(after.Outputs).toContainEqual(output);
    expect(after.Outputs!.find((o) => o.OutputKey === "SubnetId")!.OutputValue).toMatch(/^subnet-/);
  });

  it("reports modifications with replacement from a small table, and replaces on execute", async () => {
    const first = await deploy();
    const changed = structuredClone(template) as TestTemplate;
    changed.Resources.Subnet.Properties.CidrBlock = "10.0.1.0/24";
    changed.Resources.Bucket.Properties.VersioningConfiguration.Status = "Suspended";
    const cs = await changeSet({ ChangeSetType: "UPDATE", TemplateBody: body(changed), Parameters: [{ ParameterKey: "Env", UsePreviousValue: true }] });
    const byId = Object.fromEntries(cs.Changes!.map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!]));
    expect(byId["Subnet"]).toMatchObject({ Action: "Modify", Replacement: "True", Scope: ["Properties"] });
    expect(byId["Subnet"]!.Details![0]!.Target).toMatchObject({ Attribute: "Properties", Name: "CidrBlock", RequiresRecreation: "Always" });
    expect(byId["Bucket"]).toMatchObject({ Action: "Modify", Replacement: "False" });

    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
    await settled();
    const stack = cloud.stack("app-dev-network")!;
    expect(stack.status).toBe("UPDATE_COMPLETE");
    const vpcOutput = first.Outputs!.find((o) => o.OutputKey === "VpcId")!.OutputValue;
    expect(stack.outputs["VpcId"]).toBe(vpcOutput);
    const statuses = stack.events.map((e) => `${e.logicalId} ${e.status}`);
    expect(statuses).toContain("app-dev-network UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
    expect(statuses.filter((s) => s === "Subnet DELETE_COMPLETE")).toHaveLength(1);
    expect(stack.changeSets.find((c) => c.name === cs.ChangeSetName)!.executionStatus).toBe("EXECUTE_COMPLETE");
  });

  it("rejects a template over 51,200 bytes like the API does", async () => {
    const padded = { ...template, Description: "x".repeat(51_200) };
    await expect(changeSet({ TemplateBody: body(padded) })).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/^1 validation error detected: Value '.*' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200$/s),
      $metadata: { httpStatusCode: 400 },
    });
    expect(cloud.stack("app-dev-network")).toBeUndefined();
  });

  it("reads a TemplateURL body from the fake S3", async () => {
    const s3 = new S3Client(config);
    cloud.putBucket("artifacts");
    await s3.send(new PutObjectCommand({ Bucket: "artifacts", Key: "network.json", Body: body() }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "artifacts", Key: "network.json" }))).Body!.transformToString()).toBe(body());
    await expect(s3.send(new HeadObjectCommand({ Bucket: "artifacts", Key: "missing.json" }))).rejects.toMatchObject({ name: "NotFound", $metadata: { httpStatusCode: 404 } });
    const stack = await deploy({ TemplateBody: undefined, TemplateURL: "https://artifacts.s3.us-east-2.amazonaws.com/network.json" });
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    await expect(changeSet({ StackName: "other", TemplateBody: undefined, TemplateURL: "s3://artifacts/network.json" })).rejects.toThrow("TemplateURL must be a supported URL.");
  });

  it("demands IAM capabilities and parameter values as CreateChangeSet does", async () => {
    const withRole = { ...template, Resources: { ...template.Resources, Role: { Type: "AWS::IAM::Role", Properties: { RoleName: "fixed", AssumeRolePolicyDocument: {} } } } };
    const error = await changeSet({ TemplateBody: body(withRole), Capabilities: ["CAPABILITY_IAM"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCapabilitiesException);
    expect((error as Error).message).toBe("Requires capabilities : [CAPABILITY_NAMED_IAM]");
    await expect(changeSet({ Parameters: [] })).rejects.toMatchObject({ name: "ValidationError", message: "Parameters: [Env] must have values" });
  });

  it("refuses an UPDATE change set for a stack that is not in an updatable state", async () => {
    const seeded = cloud.putStack({ name: "app-dev-network", status: "ROLLBACK_COMPLETE", template, parameters: { Env: "dev" } });
    await expect(changeSet({ ChangeSetType: "UPDATE" })).rejects.toMatchObject({
      name: "ValidationError",
      message: `Stack:${seeded.id} is in ROLLBACK_COMPLETE state and can not be updated.`,
    });
    await expect(changeSet({ ChangeSetType: "CREATE", ChangeSetName: "again" })).rejects.toThrow(
      "Stack [app-dev-network] already exists and cannot be created again with the changeSet [again].",
    );
  });
});

describe("CloudFormation failures", () => {
  it("rolls back a failed create, and the first failure carries the real reason", async () => {
    cloud.failResource({ stack: "app-dev-network", logicalId: "Subnet", reason: "The CIDR '10.0.0.0/24' conflicts with another subnet" });
    const stack = await deploy();
    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    expect(stack.Outputs).toBeUndefined();

    const events = await allEvents();
    const failures = events.filter((e) => e.ResourceStatus === "CREATE_FAILED");
    expect(failures.map((e) => [e.LogicalResourceId, e.ResourceStatusReason])).toEqual([
      ["Bucket", "Resource creation cancelled"],
      ["Subnet", "The CIDR '10.0.0.0/24' conflicts with another subnet"],
    ]);
    const firstFailure = [...failures].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime())[0]!;
    expect(firstFailure.ResourceStatusReason).toBe("The CIDR '10.0.0.0/24' conflicts with another subnet");
    const rollback = events.find((e) => e.ResourceStatus === "ROLLBACK_IN_PROGRESS")!;
    expect(rollback.ResourceStatusReason).toBe("The following resource(s) failed to create: [Subnet, Bucket]. Rollback requested by user.");
    expect(events[0]!.ResourceStatus).toBe("ROLLBACK_COMPLETE");
    expect(cloud.stack("app-dev-network")!.resources).toEqual({});
  });

  it("rolls back a failed update to the old template and outputs; a failed rollback can be continued", async () => {
    const before = await deploy();
    cloud.failResource({ stack: "app-dev-network", logicalId: "Subnet", operation: "update", reason: "boom" });
    cloud.failRollback({ stack: "app-dev-network" });
    const changed = structuredClone(template) as TestTemplate;
    changed.Resources.Subnet.Properties.CidrBlock = "10.0.9.0/24";
    const updated = await deploy({ ChangeSetType: "UPDATE", TemplateBody: body(changed) });
    expect(updated.StackStatus).toBe("UPDATE_ROLLBACK_FAILED");

    cloud.clearFailures();
    await cfn.send(new ContinueUpdateRollbackCommand({ StackName: "app-dev-network" }));
    const recovered = await settled();
    expect(recovered.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(recovered.Outputs).toEqual(before.Outputs);
    expect((await cfn.send(new GetTemplateCommand({ StackName: "app-dev-network" }))).TemplateBody).toBe(body());
    const statuses = (await allEvents()).map((e) => e.ResourceStatus);
    expect(statuses).toContain("UPDATE_FAILED");
    expect(statuses).toContain("UPDATE_ROLLBACK_IN_PROGRESS");
  });

  it("respects termination protection, retains Retain resources, and cannot delete a non-empty bucket", async () => {
    const retaining = structuredClone(template) as TestTemplate;
    (retaining.Resources.Vpc as Record<string, unknown>)["DeletionPolicy"] = "Retain";
    const stack = await deploy({ TemplateBody: body(retaining) });
    const bucket = stack.Outputs!.find((o) => o.OutputKey === "BucketName")!.OutputValue!;
    cloud.putObject(bucket, "report.csv");

    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: "app-dev-network", EnableTerminationProtection: true }));
    await expect(cfn.send(new DeleteStackCommand({ StackName: "app-dev-network" }))).rejects.toThrow(
      "Stack [app-dev-network] cannot be deleted while TerminationProtection is enabled",
    );
    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: "app-dev-network", EnableTerminationProtection: false }));

    await cfn.send(new DeleteStackCommand({ StackName: "app-dev-network" }));
    const failed = await settled();
    expect(failed.StackStatus).toBe("DELETE_FAILED");
    expect(failed.StackStatusReason).toBe("The following resource(s) failed to delete: [Bucket]. ");
    expect(cloud.stack("app-dev-network")!.resources["Bucket"]!.reason).toContain("The bucket you tried to delete is not empty");

    cloud.deleteObject(bucket, "report.csv");
    const versions = cloud.bucket(bucket)!.entries.map((e) => ({ Key: e.key, VersionId: e.versionId }));
    await new S3Client(config).send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: versions } }));
    await cfn.send(new DeleteStackCommand({ StackName: "app-dev-network" }));
    await expect(settled()).rejects.toMatchObject({ name: "ValidationError", message: "Stack with id app-dev-network does not exist" });
    expect((await cfn.send(new DescribeStacksCommand({ StackName: stack.StackId }))).Stacks![0]!.StackStatus).toBe("DELETE_COMPLETE");
    expect(cloud.retainedResources()).toEqual([{ stack: "app-dev-network", logicalId: "Vpc", type: "AWS::EC2::VPC", physicalId: expect.stringMatching(/^vpc-/) }]);
    expect(cloud.bucket(bucket)).toBeUndefined();
  });

  it("cannot delete a load balancer whose deletion protection an intrinsic turned on", async () => {
    // CloudFormation evaluates Fn::If in LoadBalancerAttributes like any property; ELB then refuses the deletion
    // (ELBv2 API reference, DeleteLoadBalancer: "You can't delete a load balancer if deletion protection is enabled").
    const guarded = {
      Conditions: { Always: { "Fn::Equals": ["on", "on"] } },
      Resources: {
        LoadBalancer: {
          Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
          Properties: { LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: { "Fn::If": ["Always", "true", "false"] } }] },
        },
      },
    };
    await deploy({ TemplateBody: body(guarded), Parameters: [] });
    await cfn.send(new DeleteStackCommand({ StackName: "app-dev-network" }));
    expect((await settled()).StackStatus).toBe("DELETE_FAILED");
    expect(cloud.stack("app-dev-network")!.resources["LoadBalancer"]!.reason).toContain("deletion protection is enabled");
  });

  it("ends in ROLLBACK_FAILED when the rollback of a create fails, and in DELETE_FAILED when a delete does", async () => {
    cloud.failResource({ stack: "app-dev-network", logicalId: "Bucket", reason: "bucket quota exceeded" });
    cloud.failRollback({ stack: "app-dev-network" });
    const stack = await deploy();
    expect(stack.StackStatus).toBe("ROLLBACK_FAILED");
    expect(stack.StackStatusReason).toBe("The following resource(s) failed to delete: [Bucket]. ");

    cloud.clearFailures();
    cloud.failResource({ stack: "app-dev-network", logicalId: "Bucket", operation: "delete", reason: "has dependencies", times: 1 });
    await cfn.send(new DeleteStackCommand({ StackName: "app-dev-network" }));
    expect((await settled()).StackStatus).toBe("DELETE_FAILED");
    await cfn.send(new DeleteStackCommand({ StackName: "app-dev-network" }));
    await expect(settled()).rejects.toThrow("Stack with id app-dev-network does not exist");
  });

  it("lets a seeded stack finish someone else's operation in virtual time", async () => {
    cloud.putStack({ name: "app-dev-network", status: "UPDATE_IN_PROGRESS", template, parameters: { Env: "dev" }, completesAfterMs: 90_000 });
    await expect(changeSet({ ChangeSetType: "UPDATE" })).rejects.toThrow("is in UPDATE_IN_PROGRESS state and can not be updated.");
    const start = cloud.clock.now();
    expect((await settled()).StackStatus).toBe("UPDATE_COMPLETE");
    expect(cloud.clock.now() - start).toBe(90_000);
  });
});

describe("fault injection and the call log", () => {
  it("throttles the next N calls, then answers", async () => {
    await deploy();
    cloud.throttle({ command: "DescribeStacks", times: 2 });
    const attempt = () => cfn.send(new DescribeStacksCommand({ StackName: "app-dev-network" }));
    for (let i = 0; i < 2; i++) {
      await expect(attempt()).rejects.toMatchObject({ name: "ThrottlingException", message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });
    }
    expect((await attempt()).Stacks![0]!.StackStatus).toBe("CREATE_COMPLETE");
    expect(cloud.callsOf("DescribeStacksCommand").slice(-3).map((c) => c.error)).toEqual(["ThrottlingException", "ThrottlingException", undefined]);

    cloud.networkError({ times: 1 });
    await expect(new STSClient(config).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "TimeoutError", code: "ECONNRESET" });
    expect((await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account).toBe("123456789012");
  });

  it("rejects a command it does not implement, loudly and by name", async () => {
    const { DescribeVpcEndpointsCommand } = await import("@aws-sdk/client-ec2");
    await expect(new EC2Client(config).send(new DescribeVpcEndpointsCommand({}))).rejects.toThrow(
      "FakeCloud: unexpected DescribeVpcEndpointsCommand — add it to the fake",
    );
  });

  it("logs every call in order and tells mutating ones apart", async () => {
    await deploy();
    const names = cloud.calls.map((c) => c.command);
    expect(names[0]).toBe("CreateChangeSet");
    expect(names).toContain("ExecuteChangeSet");
    expect(cloud.mutatingCalls().map((c) => c.command)).toEqual(["CreateChangeSet", "ExecuteChangeSet"]);
    expect(cloud.calls.every((c) => c.service === "CloudFormation" && c.region === "us-east-2")).toBe(true);
  });
});

describe("virtual clock", () => {
  it("wakes concurrent sleepers in virtual-time order without real waiting", async () => {
    const woke: string[] = [];
    const start = cloud.clock.now();
    const nap = async (name: string, ms: number) => {
      await cloud.clock.sleep(ms);
      woke.push(`${name}@${cloud.clock.now() - start}`);
    };
    const realStart = Date.now();
    await Promise.all([nap("slow", 20 * 60_000), nap("fast", 1_000), nap("twin-a", 5_000), nap("twin-b", 5_000), nap("now", 0)]);
    expect(woke).toEqual(["now@0", "fast@1000", "twin-a@5000", "twin-b@5000", "slow@1200000"]);
    expect(Date.now() - realStart).toBeLessThan(1_000);
  });

  it("models API latency in virtual time when asked to", async () => {
    cloud.restore();
    cloud = createFakeCloud({ latency: { apiMs: 250 } });
    const sts = new STSClient(config);
    const start = cloud.clock.now();
    await Promise.all([sts.send(new GetCallerIdentityCommand({})), sts.send(new GetCallerIdentityCommand({}))]);
    expect(cloud.clock.now() - start).toBe(250);
  });
});

describe("ACM and Route 53", () => {
  it("issues a DNS-validated certificate once its CNAME is upserted and in sync", async () => {
    const zone = cloud.putHostedZone("example.com");
    cloud.putHostedZone("another-example.com");
    const acm = new ACMClient({ ...config, region: "us-east-1" });
    const route53 = new Route53Client(config);

    const zones = await route53.send(new ListHostedZonesByNameCommand({ DNSName: "example.com" }));
    expect(zones.HostedZones![0]!.Name).toBe("example.com.");
    expect(zones.HostedZones![0]!.Id).toBe(zone.id);

    const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: "api.example.com", ValidationMethod: "DNS", IdempotencyToken: "deploy1" }));
    expect(CertificateArn).toMatch(/^arn:aws:acm:us-east-1:123456789012:certificate\//);
    const describe = async () => (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!;
    expect((await describe()).DomainValidationOptions![0]!.ResourceRecord).toBeUndefined();

    let record: ResourceRecord | undefined;
    while (!(record = (await describe()).DomainValidationOptions![0]!.ResourceRecord)) await cloud.clock.sleep(1_000);
    expect(record).toMatchObject({ Type: "CNAME", Name: expect.stringMatching(/^_[0-9a-f]+\.api\.example\.com\.$/), Value: expect.stringMatching(/^_[0-9a-f]+\.acm-validations\.aws\.$/) });

    await cloud.clock.sleep(10 * 60_000);
    expect((await describe()).Status).toBe("PENDING_VALIDATION");

    const change = await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        ChangeBatch: { Changes: [{ Action: "UPSERT", ResourceRecordSet: { Name: record.Name, Type: "CNAME", TTL: 300, ResourceRecords: [{ Value: record.Value }] } }] },
      }),
    );
    expect(change.ChangeInfo!.Status).toBe("PENDING");
    while ((await route53.send(new GetChangeCommand({ Id: change.ChangeInfo!.Id }))).ChangeInfo!.Status !== "INSYNC") await cloud.clock.sleep(5_000);
    while ((await describe()).Status === "PENDING_VALIDATION") await cloud.clock.sleep(15_000);
    const issued = await describe();
    expect(issued.Status).toBe("ISSUED");
    expect(issued.DomainValidationOptions![0]!.ValidationStatus).toBe("SUCCESS");
    // Certificates are regional: a client in another region does not see it.
    await expect(new ACMClient(config).send(new DescribeCertificateCommand({ CertificateArn }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("rejects a CREATE of an existing record and a record outside the zone", async () => {
    const zone = cloud.putHostedZone("example.com");
    const route53 = new Route53Client(config);
    const create = (Name: string) =>
      route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone.id, ChangeBatch: { Changes: [{ Action: "CREATE", ResourceRecordSet: { Name, Type: "A", TTL: 60, ResourceRecords: [{ Value: "1.2.3.4" }] } }] } }));
    await create("www.example.com");
    await expect(create("www.example.com")).rejects.toMatchObject({ name: "InvalidChangeBatch", message: expect.stringContaining("but it already exists") });
    await expect(create("www.example.org")).rejects.toThrow("is not permitted in zone example.com.");
  });
});

describe("S3, ECR, EC2, ECS", () => {
  it("lists object versions and delete markers in pages and deletes them in batches of at most 1000", async () => {
    for (let i = 0; i < 1_200; i++) cloud.putObject("data", `k${String(i).padStart(4, "0")}`, { versioned: true });
    cloud.putObject("data", "k0000", { versioned: true });
    cloud.deleteObject("data", "k0001");
    const s3 = new S3Client(config);

    await expect(s3.send(new DeleteBucketCommand({ Bucket: "data" }))).rejects.toMatchObject({ name: "BucketNotEmpty", $metadata: { httpStatusCode: 409 } });

    const first = await s3.send(new ListObjectVersionsCommand({ Bucket: "data" }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Versions!.length + first.DeleteMarkers!.length).toBe(1_000);
    expect(first.DeleteMarkers).toEqual([expect.objectContaining({ Key: "k0001", IsLatest: true })]);
    expect(first.Versions!.filter((v) => v.Key === "k0000").map((v) => v.IsLatest)).toEqual([true, false]);

    const batches: number[] = [];
    let page = first;
    for (;;) {
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
      await s3.send(new DeleteObjectsCommand({ Bucket: "data", Delete: { Objects: objects, Quiet: true } }));
      batches.push(objects.length);
      if (!page.IsTruncated) break;
      page = await s3.send(new ListObjectVersionsCommand({ Bucket: "data", KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker }));
    }
    expect(batches).toEqual([1_000, 202]);
    const empty = await s3.send(new ListObjectVersionsCommand({ Bucket: "data" }));
    expect(empty.Versions).toBeUndefined();
    expect(empty.DeleteMarkers).toBeUndefined();
    await s3.send(new DeleteBucketCommand({ Bucket: "data" }));
    expect(cloud.bucket("data")).toBeUndefined();

    const tooMany = Array.from({ length: 1_001 }, (_, i) => ({ Key: `x${i}` }));
    cloud.putBucket("other");
    await expect(s3.send(new DeleteObjectsCommand({ Bucket: "other", Delete: { Objects: tooMany } }))).rejects.toMatchObject({ name: "MalformedXML" });
  });

  it("DeleteObjects refuses a protected key inside an HTTP 200: quiet mode lists only the errors, the rest is deleted", async () => {
    for (const key of ["a", "b", "c"]) cloud.putObject("locked", key, { versioned: true });
    cloud.protectObject("locked", "b");
    const s3 = new S3Client(config);
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: "locked" }))).Versions!.map((v) => ({ Key: v.Key, VersionId: v.VersionId }));

    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: "locked", Delete: { Objects: versions, Quiet: true } }));
    expect(quiet.$metadata.httpStatusCode).toBe(200);
    expect(quiet.Deleted).toBeUndefined();
    expect(quiet.Errors).toEqual([{ Key: "b", VersionId: versions.find((v) => v.Key === "b")!.VersionId, Code: "AccessDenied", Message: "Access Denied because object protected by object lock." }]);
    expect(cloud.bucket("locked")!.entries.map((e) => e.key)).toEqual(["b"]);

    const verbose = await s3.send(new DeleteObjectsCommand({ Bucket: "locked", Delete: { Objects: [{ Key: "b" }] } }));
    expect(verbose.Deleted).toBeUndefined();
    expect(verbose.Errors).toEqual([expect.objectContaining({ Key: "b", Code: "AccessDenied" })]);
  });

  it("finds pushed images and reports missing ones with ECR's exceptions", async () => {
    const ecr = new ECRClient(config);
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageTag: "v1" }] }))).rejects.toBeInstanceOf(RepositoryNotFoundException);
    const pushed = cloud.putImage("app", "v1");
    const found = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageTag: "v1" }] }));
    expect(found.imageDetails![0]!.imageDigest).toBe(pushed.digest);
    expect(pushed.uri).toBe("123456789012.dkr.ecr.us-east-2.amazonaws.com/app:v1");
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageTag: "v2" }] }))).rejects.toBeInstanceOf(ImageNotFoundException);
  });

  it("revokes the default security group's rules", async () => {
    const { defaultSecurityGroupId } = cloud.putVpc();
    const ec2 = new EC2Client(config);
    const [group] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [defaultSecurityGroupId] }))).SecurityGroups!;
    expect(group!.IpPermissions![0]!.UserIdGroupPairs![0]!.GroupId).toBe(defaultSecurityGroupId);
    expect(group!.IpPermissionsEgress![0]!.IpRanges).toEqual([{ CidrIp: "0.0.0.0/0" }]);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: defaultSecurityGroupId, IpPermissions: group!.IpPermissions }));
    expect(cloud.securityGroup(defaultSecurityGroupId)!.ingress).toEqual([]);
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: defaultSecurityGroupId, IpPermissions: group!.IpPermissions }))).rejects.toMatchObject({
      name: "InvalidPermission.NotFound",
    });
  });

  it("explains stopped ECS tasks when seeded with trouble", async () => {
    cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", containerReason: "CannotPullContainerError: image not found" });
    cloud.putService({ cluster: "app", name: "api", steady: false });
    cloud.clock.advance(2 * 60_000);
    const ecs = new ECSClient(config);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: "app", serviceName: "api", desiredStatus: "STOPPED" }));
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "app", tasks: taskArns }));
    expect(tasks![0]).toMatchObject({ stoppedReason: "Essential container in task exited", containers: [{ reason: "CannotPullContainerError: image not found" }] });
  });
});

describe("more of CloudFormation's behaviour", () => {
  it("turns a parameter change into dynamic modifications of the resources that use it", async () => {
    const usesEnv = structuredClone(template) as TestTemplate;
    (usesEnv.Resources.Vpc.Properties as Record<string, unknown>)["Tags"] = [{ Key: "Env", Value: { Ref: "Env" } }];
    await deploy({ TemplateBody: body(usesEnv) });
    const cs = await changeSet({ ChangeSetType: "UPDATE", TemplateBody: body(usesEnv), Parameters: [{ ParameterKey: "Env", ParameterValue: "stage" }] });
    expect(cs.Changes!.map((c) => c.ResourceChange)).toEqual([
      expect.objectContaining({
        Action: "Modify",
        LogicalResourceId: "Vpc",
        Replacement: "False",
        Details: [{ Target: { Attribute: "Properties", Name: "Tags", RequiresRecreation: "Never" }, Evaluation: "Dynamic", ChangeSource: "ParameterReference", CausingEntity: "Env" }],
      }),
    ]);

    const tagged = await changeSet({ ChangeSetType: "UPDATE", TemplateBody: body(usesEnv), Tags: [{ Key: "Team", Value: "alerts" }] });
    expect(tagged.Changes!.map((c) => c.ResourceChange!.Scope)).toEqual([["Tags"], ["Tags"], ["Tags"]]);
    const listed = await cfn.send(new ListChangeSetsCommand({ StackName: "app-dev-network" }));
    expect(listed.Summaries!.map((c) => c.ExecutionStatus)).toEqual(["EXECUTE_COMPLETE", "AVAILABLE", "AVAILABLE"]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: tagged.ChangeSetId }));
    // "When you execute a change set, CloudFormation deletes all other change sets associated with the
    // stack because they aren't valid for the updated stack" (API reference, ExecuteChangeSet).
    const after = await cfn.send(new ListChangeSetsCommand({ StackName: "app-dev-network" }));
    expect(after.Summaries!.map((c) => [c.ChangeSetName, c.ExecutionStatus])).toEqual([[tagged.ChangeSetName, "EXECUTE_IN_PROGRESS"]]);
    await expect(cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }))).rejects.toThrow(`ChangeSet [${cs.ChangeSetId}] does not exist`);
    await expect(cfn.send(new DescribeChangeSetCommand({ ChangeSetName: cs.ChangeSetName, StackName: "app-dev-network" }))).rejects.toMatchObject({ name: "ChangeSetNotFoundException" });
    expect((await settled()).Tags).toEqual([{ Key: "Team", Value: "alerts" }]);
  });

  it("compares resolved values: a parameter renamed with the same value changes nothing; renamed with another value, it does", async () => {
    // CloudFormation compares what the submitted template and parameters resolve to with what the stack has:
    // a change set lists a resource only when a property's value changes, statically (DirectModification) or
    // through a parameter whose value changed (Evaluation Dynamic, ChangeSource ParameterReference: API reference,
    // ResourceChangeDetail). The parameter's name is not part of any resource, so renaming it (and every Ref and
    // ${} to it) while keeping its value leaves nothing to change: "The submitted information didn't contain changes."
    const usesEnv = structuredClone(template) as TestTemplate;
    (usesEnv.Resources.Vpc.Properties as Record<string, unknown>)["Tags"] = [{ Key: "Env", Value: { Ref: "Env" } }];
    await deploy({ TemplateBody: body(usesEnv) });
    const { Env, ...others } = usesEnv.Parameters;
    const renamed = JSON.parse(
      JSON.stringify({ ...usesEnv, Parameters: { ...others, Environment: Env } })
        .replaceAll('{"Ref":"Env"}', '{"Ref":"Environment"}')
        .replaceAll("${Env}", "${Environment}"),
    ) as TestTemplate;
    expect(JSON.stringify(renamed)).not.toMatch(/"Env"}|\$\{Env\}/);

    const same = await changeSet({ ChangeSetType: "UPDATE", TemplateBody: body(renamed), Parameters: [{ ParameterKey: "Environment", ParameterValue: "dev" }] });
    expect(same.Status).toBe("FAILED");
    expect(same.StatusReason).toBe(NO_CHANGES_REASON);

    const other = await changeSet({ ChangeSetType: "UPDATE", TemplateBody: body(renamed), Parameters: [{ ParameterKey: "Environment", ParameterValue: "stage" }] });
    expect(other.Status).toBe("CREATE_COMPLETE");
    expect(other.Changes!.map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!.Scope])).toEqual([["Vpc", ["Properties"]]]);
  });

  it("pages change set Changes and stack events by 100", async () => {
    const many = { ...template, Resources: Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`Group${i}`, { Type: "AWS::Logs::LogGroup" }])), Outputs: {} };
    const cs = await changeSet({ TemplateBody: body(many), Parameters: [{ ParameterKey: "Env", ParameterValue: "dev" }] });
    expect(cs.Changes).toHaveLength(100);
    const rest = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: cs.ChangeSetId, NextToken: cs.NextToken }));
    expect(rest.Changes).toHaveLength(30);
    expect(rest.NextToken).toBeUndefined();

    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
    await settled();
    const firstPage = await cfn.send(new DescribeStackEventsCommand({ StackName: "app-dev-network" }));
    expect(firstPage.StackEvents).toHaveLength(100);
    expect(firstPage.StackEvents![0]!.ResourceStatus).toBe("CREATE_COMPLETE");
    expect(firstPage.NextToken).toBeDefined();
    expect(await allEvents()).toHaveLength(2 + 2 * 130 + 1);
  });

  it("refuses to replace a custom-named resource, as CloudFormation does", async () => {
    const named = structuredClone(template) as TestTemplate;
    (named.Resources.Bucket.Properties as Record<string, unknown>)["BucketName"] = "fixed-name";
    await deploy({ TemplateBody: body(named) });
    // ObjectLockEnabled requires a new bucket, which would need the same fixed name.
    const locked = structuredClone(named) as TestTemplate;
    (locked.Resources.Bucket.Properties as Record<string, unknown>)["ObjectLockEnabled"] = true;
    const stack = await deploy({ ChangeSetType: "UPDATE", TemplateBody: body(locked) });
    expect(stack.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
    const failure = (await allEvents()).find((e) => e.ResourceStatus === "UPDATE_FAILED")!;
    expect(failure.ResourceStatusReason).toBe("CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename fixed-name and update the stack again.");
    expect(cloud.bucket("fixed-name")).toBeDefined();
  });

  it("reports a template's unresolved references as a template format error", async () => {
    const broken = { ...template, Outputs: { Missing: { Value: { Ref: "Nowhere" } } } };
    await expect(changeSet({ TemplateBody: body(broken) })).rejects.toThrow(
      "Template format error: Unresolved resource dependencies [Nowhere] in the Outputs block of the template",
    );
  });

  it("accepts YAML templates with short-form intrinsic functions", async () => {
    const yamlTemplate = [
      "Parameters:",
      "  Env: { Type: String }",
      "Resources:",
      "  Vpc:",
      "    Type: AWS::EC2::VPC",
      "    Properties: { CidrBlock: 10.0.0.0/16 }",
      "Outputs:",
      "  Name:",
      "    Value: !Sub '${AWS::StackName}-${Env}-${Vpc}'",
      "  Cidr:",
      "    Value: !GetAtt Vpc.CidrBlock",
    ].join("\n");
    const stack = await deploy({ TemplateBody: yamlTemplate });
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs["Name"]).toMatch(/^app-dev-network-dev-vpc-[0-9a-f]{17}$/);
    expect(outputs["Cidr"]).toBe("10.0.0.0/16");
  });

  it("lets a test change a stack behind the orchestrator's back", async () => {
    await deploy();
    cloud.changeStackBehindOurBack("app-dev-network", (stack) => {
      stack.tags = { ...stack.tags, EditedBy: "console" };
    });
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "app-dev-network" }))).Stacks![0]!;
    expect(stack.Tags).toContainEqual({ Key: "EditedBy", Value: "console" });
    expect(stack.LastUpdatedTime).toBeDefined();
  });
});

describe("more of ACM, Route 53, ECR and ELB", () => {
  it("lists certificates by status and refuses to delete one in use", async () => {
    const acm = new ACMClient(config);
    const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: "example.com", ValidationMethod: "DNS" }));
    const again = await acm.send(new RequestCertificateCommand({ DomainName: "example.com", ValidationMethod: "DNS", IdempotencyToken: "t" }));
    expect((await acm.send(new RequestCertificateCommand({ DomainName: "example.com", ValidationMethod: "DNS", IdempotencyToken: "t" }))).CertificateArn).toBe(again.CertificateArn);
    const pending = await acm.send(new ListCertificatesCommand({ CertificateStatuses: ["PENDING_VALIDATION"] }));
    expect(pending.CertificateSummaryList!.map((c) => c.CertificateArn)).toEqual([CertificateArn, again.CertificateArn]);
    expect((await acm.send(new ListCertificatesCommand({ CertificateStatuses: ["ISSUED"] }))).CertificateSummaryList).toEqual([]);

    cloud.markCertificateInUse(CertificateArn!);
    await expect(acm.send(new DeleteCertificateCommand({ CertificateArn }))).rejects.toBeInstanceOf(ResourceInUseException);
    cloud.failCertificate(again.CertificateArn!, "CAA_ERROR");
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn: again.CertificateArn }))).Certificate).toMatchObject({ Status: "FAILED", FailureReason: "CAA_ERROR" });
  });

  it("never issues when told validation never succeeds", async () => {
    const zone = cloud.putHostedZone("example.com");
    cloud.neverValidate();
    const acm = new ACMClient(config);
    const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: "example.com", ValidationMethod: "DNS" }));
    await cloud.clock.sleep(10_000);
    const record = (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!.DomainValidationOptions![0]!.ResourceRecord!;
    await new Route53Client(config).send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zone.id, ChangeBatch: { Changes: [{ Action: "UPSERT", ResourceRecordSet: { Name: record.Name, Type: "CNAME", TTL: 300, ResourceRecords: [{ Value: record.Value }] } }] } }),
    );
    await cloud.clock.sleep(60 * 60_000);
    expect((await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!.Status).toBe("PENDING_VALIDATION");
  });

  it("lists a zone's records including its NS and SOA, and hosted zones in Route 53's order", async () => {
    cloud.putHostedZone("b.example.com");
    const zone = cloud.putHostedZone("example.com");
    const route53 = new Route53Client(config);
    const zones = await route53.send(new ListHostedZonesByNameCommand({ DNSName: "example.com" }));
    expect(zones.HostedZones!.map((z) => z.Name)).toEqual(["example.com.", "b.example.com."]);
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id }));
    expect(records.ResourceRecordSets!.map((r) => r.Type)).toEqual(["NS", "SOA"]);
  });

  it("answers ECR login and ELB target health", async () => {
    const token = await new ECRClient(config).send(new GetAuthorizationTokenCommand({}));
    expect(Buffer.from(token.authorizationData![0]!.authorizationToken!, "base64").toString()).toBe("AWS:fakepassword");
    expect(token.authorizationData![0]!.proxyEndpoint).toBe("https://123456789012.dkr.ecr.us-east-2.amazonaws.com");
    cloud.targetHealth([{ state: "unhealthy", reason: "Target.FailedHealthChecks", description: "Health checks failed with these codes: [502]" }]);
    const health = await new ElasticLoadBalancingV2Client(config).send(new DescribeTargetHealthCommand({ TargetGroupArn: "arn:tg" }));
    expect(health.TargetHealthDescriptions![0]!.TargetHealth).toEqual({ State: "unhealthy", Reason: "Target.FailedHealthChecks", Description: "Health checks failed with these codes: [502]" });
  });
});
