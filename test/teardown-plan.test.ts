/**
 * What teardown decides from the DEPLOYED stacks before it destroys anything: what is kept, which buckets it
 * empties, which protections it lifts, what it counts, and what an earlier teardown may have left behind.
 * Stacks are seeded with the templates a person or another tool may have deployed, so each judgment is
 * exercised on its own, through the CLI, against the stateful fake cloud.
 */
import { CloudFormationServiceException, DescribeStacksCommand, GetTemplateCommand } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import { CloudFormationApi } from "../src/aws/cloudformation.js";
import { planTeardown } from "../src/orchestrator/teardown/teardown-plan.js";
import { environmentFrom, freshCliEachTest, type Cli } from "./support/cli-harness.js";
import { FAST_RETRY, type Harness } from "./support/deploy-harness.js";
import { awsError } from "./support/fake-cloud/errors.js";

const STACKS = ["network", "storage", "auth", "backend", "domain"] as const;

describe("teardown plan: decided from the deployed stacks", () => {
  let h: Harness;
  let config: string;
  let cli: Cli;
  freshCliEachTest((world) => ({ h, config, cli } = world));

  const physicalId = (stack: string, logicalId: string) => h.cloud.stack(stack)!.resources[logicalId]!.physicalId;

  it("keeps a bucket whose DeletionPolicy is RetainExceptOnCreate, and empties only the one the stack deletes", async () => {
    // RetainExceptOnCreate keeps the resource when its stack is deleted; it deletes it only when rolling back
    // the create that made it (CloudFormation User Guide, DeletionPolicy attribute).
    h.cloud.putStack({
      name: "alert-engine-storage-dev",
      template: {
        Resources: {
          Archive: { Type: "AWS::S3::Bucket", DeletionPolicy: "RetainExceptOnCreate" },
          Scratch: { Type: "AWS::S3::Bucket" },
        },
      },
    });
    const archive = physicalId("alert-engine-storage-dev", "Archive");
    const scratch = physicalId("alert-engine-storage-dev", "Scratch");
    h.cloud.putObject(archive, "alerts/precious.json");
    h.cloud.putObject(scratch, "tmp/1.json");

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    const out = cli.lastOutput();
    // Two resources live, one of them kept: the stack's deletion removes one.
    expect(out).toMatch(/alert-engine-storage-dev\s+CREATE_COMPLETE, 2 resources\n\s+deletes: 1 resources\n/);
    expect(out.match(/keeps: .*/g)).toEqual([`keeps: Archive (AWS::S3::Bucket) ${archive}`]);
    expect(out).toContain(`empties first: s3://${scratch}, 1 object versions and delete markers`);
    expect(out).not.toContain(`empties first: s3://${archive}`);
    expect(h.cloud.bucket(archive)!.entries.map((e) => e.key)).toEqual(["alerts/precious.json"]);
    expect(h.cloud.bucket(scratch)).toBeUndefined();
    expect(h.cloud.stack("alert-engine-storage-dev")).toBeUndefined();
    expect(h.cloud.retainedResources().map((r) => r.logicalId)).toEqual(["Archive"]);
  });

  it("lifts deletion protection only on the load balancer the stack deletes, not on one it keeps", async () => {
    const protectedLoadBalancer = (extra: object) => ({
      Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
      ...extra,
      Properties: { Type: "application", LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: "true" }] },
    });
    h.cloud.putStack({
      name: "alert-engine-backend-dev",
      template: {
        Resources: {
          LoadBalancer: protectedLoadBalancer({}),
          KeptLoadBalancer: protectedLoadBalancer({ DeletionPolicy: "Retain" }),
          // A custom resource's properties go to its provider unread by CloudFormation: a look-alike attribute is not a load balancer's.
          LookAlike: { Type: "Custom::Gate", Properties: { ServiceToken: "arn:aws:lambda:eu-west-1:111111111111:function:gate", LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: "true" }] } },
        },
      },
    });
    const deleted = physicalId("alert-engine-backend-dev", "LoadBalancer");
    const kept = physicalId("alert-engine-backend-dev", "KeptLoadBalancer");

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    const lifted = h.cloud.callsOf("ModifyLoadBalancerAttributes").map((c) => c.input as { LoadBalancerArn: string; Attributes: unknown });
    expect(lifted).toEqual([{ LoadBalancerArn: deleted, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }]);
    expect(cli.lastOutput()).toContain(`keeps: KeptLoadBalancer (AWS::ElasticLoadBalancingV2::LoadBalancer) ${kept}`);
    expect(h.cloud.retainedResources().map((r) => r.physicalId)).toEqual([kept]);
  });

  it("lifts deletion protection that the deployed template computes with an intrinsic: it may be on", async () => {
    // Which way the Fn::If went cannot be read from the template; lifting a protection that was off costs nothing,
    // leaving one that was on makes CloudFormation fail the deletion halfway.
    h.cloud.putStack({
      name: "alert-engine-backend-dev",
      template: {
        Conditions: { Guarded: { "Fn::Equals": ["dev", "dev"] } },
        Resources: {
          LoadBalancer: {
            Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
            Properties: { Type: "application", LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: { "Fn::If": ["Guarded", "true", "false"] } }] },
          },
        },
      },
    });
    const loadBalancer = physicalId("alert-engine-backend-dev", "LoadBalancer");

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    const lifted = h.cloud.callsOf("ModifyLoadBalancerAttributes").map((c) => c.input as { LoadBalancerArn: string });
    expect(lifted.map((l) => l.LoadBalancerArn)).toEqual([loadBalancer]);
    expect(h.cloud.stack("alert-engine-backend-dev")).toBeUndefined();
  });

  it("never empties a live bucket the deployed template does not declare: its DeletionPolicy cannot be known", async () => {
    h.cloud.putStack({ name: "alert-engine-storage-dev", template: { Resources: { StorageBucket: { Type: "AWS::S3::Bucket" } } } });
    const bucket = physicalId("alert-engine-storage-dev", "StorageBucket");
    h.cloud.putObject(bucket, "alerts/precious.json");
    // A module expanded at deploy time: GetTemplate's Original stage returns the template as written, which names
    // the module, not the bucket it made (GetTemplate, TemplateStage; CloudFormation modules).
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", (stack) => {
      stack.templateBody = JSON.stringify({ Resources: { Storage: { Type: "Acme::Storage::Bucket::MODULE" } } });
    });

    // The plan goes ahead without emptying it, so CloudFormation's own refusal to delete a bucket with data stops the deletion.
    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
    expect(cli.lastOutput()).toMatch(/alert-engine-storage-dev\s+CREATE_COMPLETE, 1 resources\n\s+deletes: 1 resources\n/);
    expect(cli.lastOutput()).toMatch(/storage\s+FAILED: deletion failed \(DELETE_FAILED\) — StorageBucket \(AWS::S3::Bucket\): .*The bucket you tried to delete is not empty/);
    expect(cli.lastOutput()).not.toMatch(/empties first/);
    expect(h.cloud.callsOf("DeleteObjects")).toEqual([]);
    expect(h.cloud.bucket(bucket)!.entries.map((e) => e.key)).toEqual(["alerts/precious.json"]);
  });

  it("does not try to empty a bucket that was never created (no physical id), and tears the stack down", async () => {
    h.cloud.putStack({ name: "alert-engine-storage-dev", status: "CREATE_FAILED", template: { Resources: { Bucket: { Type: "AWS::S3::Bucket" } } } });
    // The create failed with rollback disabled: CloudFormation lists the bucket as CREATE_FAILED, without a
    // PhysicalResourceId (StackResourceSummary: PhysicalResourceId is optional).
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", (stack) => {
      Object.assign(stack.resources.get("Bucket")!, { physicalId: undefined, status: "CREATE_FAILED" });
    });

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    expect(cli.lastOutput()).toMatch(/alert-engine-storage-dev\s+CREATE_FAILED, 1 resources\n\s+deletes: 1 resources\n/);
    expect(cli.lastOutput()).not.toMatch(/empties first/);
    expect(h.cloud.callsOf("ListObjectVersions")).toEqual([]);
    expect(h.cloud.stack("alert-engine-storage-dev")).toBeUndefined();
  });

  it("tells how to delete each retained resource by hand, and lists only what the stack really has", async () => {
    h.cloud.putStack({
      name: "alert-engine-network-dev",
      template: {
        Conditions: { Never: { "Fn::Equals": ["a", "b"] } },
        Resources: {
          Vpc: { Type: "AWS::EC2::VPC", DeletionPolicy: "Retain", Properties: { CidrBlock: "10.0.0.0/16" } },
          Topic: { Type: "AWS::SNS::Topic", DeletionPolicy: "Retain" },
          // Its Condition is false: CloudFormation never created it, so nothing of it stays behind.
          Archive: { Type: "AWS::S3::Bucket", DeletionPolicy: "Retain", Condition: "Never" },
          Journal: { Type: "AWS::Logs::LogGroup", DeletionPolicy: "Retain" },
        },
      },
    });
    // Its create failed: listed as CREATE_FAILED without a PhysicalResourceId, nothing of it exists.
    h.cloud.changeStackBehindOurBack("alert-engine-network-dev", (stack) => {
      Object.assign(stack.resources.get("Journal")!, { physicalId: undefined, status: "CREATE_FAILED" });
    });
    const vpc = physicalId("alert-engine-network-dev", "Vpc");
    const topic = physicalId("alert-engine-network-dev", "Topic");

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    const out = cli.lastOutput();
    // The AWS CLI's own commands: ec2 delete-vpc --vpc-id; Cloud Control's delete-resource for any other type.
    expect(out).toContain(`alert-engine-network-dev Vpc (AWS::EC2::VPC) ${vpc}\n      aws ec2 delete-vpc --vpc-id ${vpc} --region us-east-2`);
    expect(out).toContain(`alert-engine-network-dev Topic (AWS::SNS::Topic) ${topic}\n      aws cloudcontrol delete-resource --type-name AWS::SNS::Topic --identifier ${topic} --region us-east-2`);
    expect(out.match(/keeps: .*/g)).toEqual([`keeps: Vpc (AWS::EC2::VPC) ${vpc}`, `keeps: Topic (AWS::SNS::Topic) ${topic}`]);
    expect(out.split("delete by hand:\n")[1]!.match(/^  \S+ \S+/gm)).toEqual(["  alert-engine-network-dev Vpc", "  alert-engine-network-dev Topic"]);
    expect(h.cloud.retainedResources().filter((r) => r.physicalId).map((r) => r.logicalId).sort()).toEqual(["Topic", "Vpc"]);
  });

  it("after a prod teardown that failed halfway: counts only what the stack still holds, and names the gone stacks that retained data", async () => {
    await h.deploy("prod", { env: environmentFrom(config, "prod") });
    h.cloud.failResource({ stack: "alert-engine-storage-prod", logicalId: "BucketPolicy", operation: "delete", reason: "Access Denied" });
    expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(1);
    expect(h.cloud.stack("alert-engine-storage-prod")?.status).toBe("DELETE_FAILED");
    // Its retained buckets were skipped (DELETE_SKIPPED) and its deleted resources are gone: neither is still held.
    const held = Object.keys(h.cloud.stack("alert-engine-storage-prod")!.resources);
    expect(held).toEqual(["BucketPolicy"]);

    h.cloud.clearFailures();
    expect(await cli.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(0);
    const out = cli.lastOutput();
    expect(out).toMatch(/alert-engine-storage-prod\s+DELETE_FAILED, 1 resources\n\s+deletes: 1 resources\n/);
    // Prod retains its log group (network) and user pool (auth); domain and backend retain nothing, and storage
    // was still there at the start of this run.
    expect(out).toContain("Already gone before this run: alert-engine-network-prod, alert-engine-auth-prod. Resources an earlier teardown retained");
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)).toBeUndefined();
  });

  it("refuses, deleting nothing, when the deployed template computes a DeletionPolicy or load balancer attributes", async () => {
    // With the AWS::LanguageExtensions transform a DeletionPolicy may be an intrinsic function, and GetTemplate's
    // Original stage returns it unresolved (User Guide: intrinsic function references in DeletionPolicy); any
    // template may compute a property such as LoadBalancerAttributes with Fn::If.
    h.cloud.putStack({ name: "alert-engine-storage-dev", template: { Resources: { Bucket: { Type: "AWS::S3::Bucket" } } } });
    h.cloud.putStack({ name: "alert-engine-backend-dev", template: { Resources: { Topic: { Type: "AWS::SNS::Topic" } } } });
    const bucket = physicalId("alert-engine-storage-dev", "Bucket");
    h.cloud.putObject(bucket, "alerts/precious.json");
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", (stack) => {
      stack.templateBody = JSON.stringify({
        Transform: "AWS::LanguageExtensions",
        Conditions: { IsProd: { "Fn::Equals": ["dev", "prod"] } },
        Resources: { Bucket: { Type: "AWS::S3::Bucket", DeletionPolicy: { "Fn::If": ["IsProd", "Retain", "Delete"] } } },
      });
    });
    h.cloud.changeStackBehindOurBack("alert-engine-backend-dev", (stack) => {
      stack.templateBody = JSON.stringify({
        Resources: { LoadBalancer: { Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: { LoadBalancerAttributes: { "Fn::If": ["IsProd", [], []] } } } },
      });
    });
    const before = h.cloud.mutatingCalls().length;

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
    const out = cli.lastOutput();
    expect(out).toMatch(/reading the deployed template of alert-engine-storage-dev failed: .*DeletionPolicy of Bucket/);
    expect(out).toMatch(/reading the deployed template of alert-engine-backend-dev failed: .*LoadBalancerAttributes of LoadBalancer/);
    expect(h.cloud.mutatingCalls().length).toBe(before);
    expect(h.cloud.bucket(bucket)!.entries.map((e) => e.key)).toEqual(["alerts/precious.json"]);
  });

  it("its error names every read that failed, one by one, and says nothing was deleted", async () => {
    h.cloud.putStack({ name: "alert-engine-network-dev", template: { Resources: { Topic: { Type: "AWS::SNS::Topic" } } } });
    const denied = (action: string) => awsError(CloudFormationServiceException, "AccessDenied", `not authorized to perform: cloudformation:${action}`, { status: 403 });
    h.cloud.mocks.CloudFormation.on(GetTemplateCommand).rejects(denied("GetTemplate"));
    h.cloud.mocks.CloudFormation.on(DescribeStacksCommand, { StackName: "alert-engine-storage-dev" }).rejects(denied("DescribeStacks"));
    const env = environmentFrom(config, "dev");
    const cfn = new CloudFormationApi(h.clients.cloudformation, FAST_RETRY);

    const planning = planTeardown(env, { cfn, countVersions: async () => ({ counted: 0, more: false, missing: false }) }, undefined);
    const error = (await planning.then(() => undefined, (e: unknown) => e)) as Error & { failures: unknown };
    expect(error.failures).toEqual([
      { operation: "GetTemplate", stack: "alert-engine-network-dev", cause: expect.objectContaining({ name: "AccessDenied" }) },
      { operation: "DescribeStacks", stack: "alert-engine-storage-dev", cause: expect.objectContaining({ name: "AccessDenied" }) },
    ]);
    expect(error.message).toMatch(/GetTemplate of alert-engine-network-dev\b/);
    expect(error.message).toMatch(/DescribeStacks of alert-engine-storage-dev\b/);
    expect(error.message).toMatch(/nothing was deleted/);
  });
});
