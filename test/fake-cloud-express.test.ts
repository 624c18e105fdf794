import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type CreateChangeSetCommandInput,
  type DescribeChangeSetCommandOutput,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeCloud, type FakeCloud } from "./support/fake-cloud.js";

const config = { region: "us-east-2", credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" } };
const template = {
  Resources: {
    Queue: { Type: "AWS::SQS::Queue" },
    Balancer: { Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: { Name: "lb" } },
    Topic: { Type: "AWS::SNS::Topic" },
  },
};

let cloud: FakeCloud;
let cfn: CloudFormationClient;
beforeEach(() => {
  // Standard: the load balancer takes 30 s to stabilize; express: configured in 1 s.
  cloud = createFakeCloud();
  cfn = new CloudFormationClient(config);
});
afterEach(() => cloud.restore());

async function changeSet(input: Partial<CreateChangeSetCommandInput>): Promise<DescribeChangeSetCommandOutput> {
  const created = await cfn.send(new CreateChangeSetCommand({ StackName: "s", ChangeSetName: `cs-${cloud.calls.length}`, ChangeSetType: "CREATE", TemplateBody: JSON.stringify(template), ...input }));
  for (;;) {
    const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    if (described.Status !== "CREATE_PENDING" && described.Status !== "CREATE_IN_PROGRESS") return described;
    await cloud.clock.sleep(1_000);
  }
}

async function settled(): Promise<Stack> {
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "s" }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith("_IN_PROGRESS")) return stack;
    await cloud.clock.sleep(500);
  }
}

describe("CloudFormation express mode (DeploymentConfig), as the User Guide describes it", () => {
  it("reports the change set's and the stack's DeploymentConfig, with rollback disabled by default in express", async () => {
    const cs = await changeSet({ DeploymentConfig: { Mode: "EXPRESS" } });
    expect(cs.DeploymentConfig).toEqual({ Mode: "EXPRESS", DisableRollback: true });
    expect(cs.OnStackFailure).toBe("DO_NOTHING");
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
    const stack = await settled();
    expect(stack.DeploymentConfig).toEqual({ Mode: "EXPRESS", DisableRollback: true });
    expect(stack.DisableRollback).toBe(true);
  });

  it("express with DisableRollback false rolls back as ever; a change set without DeploymentConfig reports none", async () => {
    expect((await changeSet({ DeploymentConfig: { Mode: "EXPRESS", DisableRollback: false } })).OnStackFailure).toBe("ROLLBACK");
    expect((await changeSet({ StackName: "t" })).DeploymentConfig).toBeUndefined();
  });

  it("refuses a mode it does not know", async () => {
    await expect(changeSet({ DeploymentConfig: { Mode: "FAST" as "EXPRESS" } })).rejects.toThrow(/Member must satisfy enum value set: \[STANDARD, EXPRESS\]/);
  });

  it("completes slow resources once configured: the same stack in a fraction of the standard time", async () => {
    const time = async (input: Partial<CreateChangeSetCommandInput>) => {
      const cs = await changeSet(input);
      const started = cloud.clock.now();
      await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
      const stack = await settled();
      expect(stack.StackStatus).toBe("CREATE_COMPLETE");
      return cloud.clock.now() - started;
    };
    const standard = await time({ StackName: "s" });
    cloud.restore();
    cloud = createFakeCloud();
    const express = await time({ StackName: "s", DeploymentConfig: { Mode: "EXPRESS" } });
    expect(standard).toBeGreaterThanOrEqual(30_000);
    expect(express).toBeLessThan(5_000);
  });

  it("a failure in express leaves CREATE_FAILED with what succeeded kept; the next update change set adds only what failed or never ran", async () => {
    cloud.failResource({ stack: "s", logicalId: "Balancer", times: 1 });
    const cs = await changeSet({ DeploymentConfig: { Mode: "EXPRESS" } });
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.ChangeSetId }));
    expect((await settled()).StackStatus).toBe("CREATE_FAILED");
    expect(cloud.stack("s")!.resources["Queue"]?.status).toBe("CREATE_COMPLETE");

    const retry = await changeSet({ ChangeSetType: "UPDATE", DeploymentConfig: { Mode: "EXPRESS" } });
    expect(retry.Status).toBe("CREATE_COMPLETE");
    expect(retry.Changes!.map((c) => [c.ResourceChange!.Action, c.ResourceChange!.LogicalResourceId])).toEqual([
      ["Add", "Balancer"],
      ["Add", "Topic"],
    ]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: retry.ChangeSetId }));
    expect((await settled()).StackStatus).toBe("UPDATE_COMPLETE");
    expect((await changeSet({ ChangeSetType: "UPDATE" })).StatusReason).toMatch(/didn't contain changes/);
  });
});
