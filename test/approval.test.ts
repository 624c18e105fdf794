import type { Change } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import { concerns, needsApproval } from "../src/orchestrator/approval.js";

const change = (logicalId: string, type: string, action: "Add" | "Modify" | "Remove", replacement?: "True" | "False" | "Conditional"): Change => ({
  Type: "Resource",
  ResourceChange: { LogicalResourceId: logicalId, ResourceType: type, Action: action, Replacement: replacement },
});

describe("approval of change sets", () => {
  const harmless = [change("TaskDefinition", "AWS::ECS::TaskDefinition", "Modify", "False")];

  it("asks for nothing under 'never' and for everything under 'any-change'", () => {
    expect(needsApproval("never", [change("Bucket", "AWS::S3::Bucket", "Remove")])).toBe(false);
    expect(needsApproval("any-change", harmless)).toBe(true);
  });

  it("does not ask about a new task definition revision, which every image deploy makes", () => {
    const imageDeploy = [change("TaskDefinition", "AWS::ECS::TaskDefinition", "Modify", "True"), change("Service", "AWS::ECS::Service", "Modify", "False")];
    expect(needsApproval("broadening", imageDeploy)).toBe(false);
  });

  it("lets a harmless update through under 'broadening'", () => {
    expect(needsApproval("broadening", harmless)).toBe(false);
    expect(concerns(harmless)).toEqual([]);
  });

  it("flags widened IAM and security groups, replacements and removals under 'broadening'", () => {
    const risky = [
      change("TaskRole", "AWS::IAM::Role", "Modify", "False"),
      change("AlbIngress", "AWS::EC2::SecurityGroupIngress", "Add"),
      change("Bucket", "AWS::S3::Bucket", "Modify", "True"),
      change("UserPool", "AWS::Cognito::UserPool", "Modify", "Conditional"),
      change("OldQueue", "AWS::SQS::Queue", "Remove"),
    ];
    expect(needsApproval("broadening", risky)).toBe(true);
    expect(concerns(risky).map((c) => `${c.logicalId}:${c.why}`)).toEqual([
      "TaskRole:widens access",
      "AlbIngress:widens access",
      "Bucket:replaces",
      "UserPool:may replace",
      "OldQueue:removes",
    ]);
  });

  it("asks under 'broadening' about lowered protection, which the change set need not show, and lists it first", () => {
    const lowering = { logicalId: "Bucket", resourceType: "AWS::S3::Bucket", change: "DeletionPolicy Retain → Delete" };
    expect(needsApproval("broadening", harmless, [lowering])).toBe(true);
    expect(needsApproval("never", harmless, [lowering])).toBe(false);
    expect(concerns([change("AlbIngress", "AWS::EC2::SecurityGroupIngress", "Add")], [lowering]).map((c) => `${c.logicalId}:${c.why}${c.detail ? `:${c.detail}` : ""}`)).toEqual([
      "Bucket:lowers protection:DeletionPolicy Retain → Delete",
      "AlbIngress:widens access",
    ]);
  });
});
