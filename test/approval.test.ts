import type { Change } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import { concerns, needsApproval } from "../src/orchestrator/review/approval.js";

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

  it("exempts only the task definition: replacing the ECS service or cluster still asks", () => {
    const replaced = [change("Service", "AWS::ECS::Service", "Modify", "True"), change("Cluster", "AWS::ECS::Cluster", "Modify", "Conditional")];
    expect(needsApproval("broadening", replaced)).toBe(true);
    expect(concerns(replaced).map((c) => `${c.logicalId}:${c.why}`)).toEqual(["Service:replaces", "Cluster:may replace"]);
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

describe("access judged by content, when the deployed template is known", () => {
  const template = (resources: Record<string, unknown>) => ({ AWSTemplateFormatVersion: "2010-09-09", Description: "t", Resources: resources }) as never;
  const role = (statements: unknown[]) => ({
    Type: "AWS::IAM::Role",
    Properties: { AssumeRolePolicyDocument: { Statement: [] }, Policies: [{ PolicyName: "p", PolicyDocument: { Statement: statements } }] },
  });
  const allow = (actions: string[], resource: string) => ({ Effect: "Allow", Action: actions, Resource: resource });
  const deny = { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
  const rule = { Type: "AWS::EC2::SecurityGroupIngress", Properties: { GroupId: "sg-1", IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: "10.0.0.0/8" } };
  const modify = [change("Role", "AWS::IAM::Role", "Modify", "False")];

  it("an Allow statement that only drops actions narrows: no concern", () => {
    const deployed = template({ Role: role([allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/*")]) });
    const desired = template({ Role: role([allow(["s3:GetObject"], "arn:aws:s3:::b/*")]) });
    expect(concerns(modify, [], { deployed, desired })).toEqual([]);
    expect(needsApproval("broadening", modify, [], { deployed, desired })).toBe(false);
  });

  it("an Allow statement on another resource widens; a Deny removed widens", () => {
    const deployed = template({ Role: role([allow(["s3:GetObject"], "arn:aws:s3:::a/*"), deny]) });
    const moved = template({ Role: role([allow(["s3:GetObject"], "arn:aws:s3:::b/*"), deny]) });
    expect(concerns(modify, [], { deployed, desired: moved })).toEqual([expect.objectContaining({ logicalId: "Role", why: "widens access", detail: "grants 1 IAM statement not granted before" })]);
    const undenied = template({ Role: role([allow(["s3:GetObject"], "arn:aws:s3:::a/*")]) });
    expect(concerns(modify, [], { deployed, desired: undenied }).map((c) => c.why)).toEqual(["widens access"]);
  });

  it("a standalone rule removed narrows (no 'removes' concern); one added widens", () => {
    const removed = [change("Https", "AWS::EC2::SecurityGroupIngress", "Remove")];
    expect(concerns(removed, [], { deployed: template({ Https: rule }), desired: template({}) })).toEqual([]);
    const added = [change("Https", "AWS::EC2::SecurityGroupIngress", "Add")];
    expect(concerns(added, [], { deployed: template({}), desired: template({ Https: rule }) })).toEqual([
      expect.objectContaining({ logicalId: "Https", why: "widens access", detail: "adds 1 security-group rule" }),
    ]);
  });

  it("without a deployed template to compare (YAML, hand-edited), access is judged by type, as before", () => {
    const desired = template({ Role: role([]) });
    expect(concerns(modify, [], { desired }).map((c) => c.why)).toEqual(["widens access"]);
    expect(concerns([change("Https", "AWS::EC2::SecurityGroupIngress", "Remove")], [], { desired }).map((c) => c.why)).toEqual(["removes"]);
  });
});

describe("what each kind of change asks, by type and by content", () => {
  const template = (resources: Record<string, unknown>) => ({ AWSTemplateFormatVersion: "2010-09-09", Description: "t", Resources: resources }) as never;
  const doc = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });
  const allow = (actions: string[], resource = "arn:aws:s3:::b/*") => ({ Effect: "Allow", Action: actions, Resource: resource });
  const deny = { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
  const holder = (type: string, document: unknown) => ({
    Type: type,
    Properties: type === "AWS::S3::BucketPolicy" ? { Bucket: "b", PolicyDocument: document } : { PolicyName: "p", Roles: ["r"], PolicyDocument: document },
  });
  const group = (ingress: unknown[], name = "web") => ({ Type: "AWS::EC2::SecurityGroup", Properties: { GroupDescription: "g", GroupName: name, SecurityGroupIngress: ingress } });
  const https = (cidr: string) => ({ IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: cidr });

  // Each of these holds nothing but a policy document: what it grants is its statements, so a narrowing edit needs no yes.
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"]) {
    it(`${type}: judged by its statements: dropping an action asks nothing, adding one asks`, () => {
      const modify = [change("Grants", type, "Modify", "False")];
      const wide = template({ Grants: holder(type, doc(allow(["s3:GetObject", "s3:PutObject"]))) });
      const narrow = template({ Grants: holder(type, doc(allow(["s3:GetObject"]))) });
      expect(concerns(modify, [], { deployed: wide, desired: narrow })).toEqual([]);
      expect(concerns(modify, [], { deployed: narrow, desired: wide })).toEqual([
        { logicalId: "Grants", resourceType: type, why: "widens access", detail: "grants 1 IAM statement not granted before" },
      ]);
    });
  }

  it("removing a standalone policy asks only when what goes is a Deny", () => {
    const removed = [change("Guard", "AWS::IAM::Policy", "Remove")];
    const desired = template({});
    expect(concerns(removed, [], { deployed: template({ Guard: holder("AWS::IAM::Policy", doc(allow(["s3:GetObject"]))) }), desired })).toEqual([]);
    expect(concerns(removed, [], { deployed: template({ Guard: holder("AWS::IAM::Policy", doc(deny)) }), desired }).map((c) => `${c.logicalId}:${c.why}`)).toEqual([
      "Guard:widens access",
    ]);
  });

  it("replacing a security group asks although its rules grant nothing new: a replacement is a new group", () => {
    const replaced = [change("Web", "AWS::EC2::SecurityGroup", "Modify", "True")];
    const deployed = template({ Web: group([https("10.0.0.0/8")], "web") });
    const desired = template({ Web: group([https("10.0.0.0/8")], "web-2") });
    expect(concerns(replaced, [], { deployed, desired }).map((c) => `${c.logicalId}:${c.why}`)).toEqual(["Web:replaces"]);
  });

  it("counts what is granted in words: one statement, two statements, one rule, two rules", () => {
    const modify = [change("Grants", "AWS::IAM::Policy", "Modify", "False"), change("Web", "AWS::EC2::SecurityGroup", "Modify", "False")];
    const before = template({ Grants: holder("AWS::IAM::Policy", doc()), Web: group([]) });
    const one = template({ Grants: holder("AWS::IAM::Policy", doc(allow(["s3:GetObject"]))), Web: group([https("10.0.0.0/8")]) });
    const two = template({
      Grants: holder("AWS::IAM::Policy", doc(allow(["s3:GetObject"]), allow(["sqs:SendMessage"], "arn:aws:sqs:us-east-2:123456789012:q"))),
      Web: group([https("10.0.0.0/8"), https("192.168.0.0/16")]),
    });
    expect(concerns(modify, [], { deployed: before, desired: one }).map((c) => c.detail)).toEqual(["grants 1 IAM statement not granted before", "adds 1 security-group rule"]);
    expect(concerns(modify, [], { deployed: before, desired: two }).map((c) => c.detail)).toEqual(["grants 2 IAM statements not granted before", "adds 2 security-group rules"]);
  });

  it("importing an existing role into the stack grants nothing new: no yes asked", () => {
    const imported = [change("Role", "AWS::IAM::Role", "Import" as never)];
    expect(concerns(imported)).toEqual([]);
    expect(needsApproval("broadening", imported)).toBe(false);
  });

  it("a change CloudFormation reports without its logical id or type is still listed, marked ? rather than blank", () => {
    const anonymous: Change = { Type: "Resource", ResourceChange: { Action: "Remove" } };
    expect(concerns([anonymous])).toEqual([{ logicalId: "?", resourceType: "?", why: "removes" }]);
  });
});
