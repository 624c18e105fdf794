import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/env/load.js";
import { DEPLOYED_TEMPLATE, deployedProtection, protectionLowerings, protectsData, type ProtectionState } from "../src/orchestrator/protection.js";
import type { Json, Resource, Template } from "../src/templates/cfn.js";
import { stackDefinition } from "../src/templates/index.js";
import { synthesize } from "../src/templates/stack.js";

const template = (resources: Record<string, Resource>): Template => ({ AWSTemplateFormatVersion: "2010-09-09", Description: "t", Resources: resources });
const state = (resources: Record<string, Resource>, terminationProtection = false): ProtectionState => ({ template: template(resources), terminationProtection });
const NO_DECLARED = { statefulResources: [] as string[] };

/** What lowering `before` to `after` on one resource reports, as "change" strings. */
const lowered = (before: Resource, after: Resource, definition = NO_DECLARED) =>
  protectionLowerings(definition, "s", state({ R: before }), state({ R: after })).map((l) => l.change);

const bucket = (extra: Partial<Resource> = {}, properties: Resource["Properties"] = {}): Resource => ({ Type: "AWS::S3::Bucket", Properties: properties, ...extra });

describe("what lowers protection", () => {
  it("weaker deletion or replace policies on stateful resources, Retain and RetainExceptOnCreate alike", () => {
    expect(lowered(bucket({ DeletionPolicy: "RetainExceptOnCreate" }), bucket({ DeletionPolicy: "Delete" }))).toEqual(["DeletionPolicy RetainExceptOnCreate → Delete"]);
    expect(lowered(bucket({ DeletionPolicy: "Retain" }), bucket({ DeletionPolicy: "Snapshot" }))).toEqual(["DeletionPolicy Retain → Snapshot"]);
    expect(lowered(bucket({ UpdateReplacePolicy: "Retain" }), bucket())).toEqual(["UpdateReplacePolicy Retain → Delete (absent)"]);
    expect(lowered(bucket({ DeletionPolicy: "Retain" }), bucket({ DeletionPolicy: "RetainExceptOnCreate" }))).toEqual([]);
    expect(lowered(bucket(), bucket({ DeletionPolicy: "Retain" }))).toEqual([]);
  });

  it("a Snapshot policy lowered to Delete loses the data the snapshot would have kept", () => {
    expect(lowered(bucket({ DeletionPolicy: "Snapshot" }), bucket({ DeletionPolicy: "Delete" }))).toEqual(["DeletionPolicy Snapshot → Delete"]);
    expect(lowered(bucket({ UpdateReplacePolicy: "Snapshot" }), bucket())).toEqual(["UpdateReplacePolicy Snapshot → Delete (absent)"]);
  });

  it("policies count on types that hold data and on resources a stack declares stateful, not on others", () => {
    for (const type of ["AWS::S3::Bucket", "AWS::Cognito::UserPool", "AWS::Logs::LogGroup", "AWS::EC2::VPC"]) {
      expect(lowered({ Type: type, DeletionPolicy: "Retain" }, { Type: type, DeletionPolicy: "Delete" }), type).toEqual(["DeletionPolicy Retain → Delete"]);
    }
    const queue = (policy: Resource["DeletionPolicy"]): Resource => ({ Type: "AWS::SQS::Queue", DeletionPolicy: policy });
    expect(lowered(queue("Retain"), queue("Delete"))).toEqual([]);
    expect(lowered(queue("Retain"), queue("Delete"), { statefulResources: ["R"] })).toEqual(["DeletionPolicy Retain → Delete"]);
  });

  it("a logical id that now names another type is another resource (CloudFormation replaces it; the change set shows that), not a lowering", () => {
    expect(lowered(bucket({ DeletionPolicy: "Retain" }), { Type: "AWS::SQS::Queue" })).toEqual([]);
  });

  it("user pool and load balancer deletion protection switched off or dropped", () => {
    const pool = (value?: string): Resource => ({ Type: "AWS::Cognito::UserPool", Properties: value ? { DeletionProtection: value } : {} });
    expect(lowered(pool("ACTIVE"), pool())).toEqual(["DeletionProtection ACTIVE → absent"]);
    expect(lowered(pool("INACTIVE"), pool("ACTIVE"))).toEqual([]);
    expect(lowered(pool("INACTIVE"), pool())).toEqual([]);
    const alb = (...attributes: { Key: string; Value: string }[]): Resource => ({ Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: { LoadBalancerAttributes: attributes } });
    const protectedAlb = alb({ Key: "idle_timeout.timeout_seconds", Value: "60" }, { Key: "deletion_protection.enabled", Value: "true" });
    expect(lowered(protectedAlb, alb())).toEqual(["deletion_protection.enabled true → absent"]);
    expect(lowered(protectedAlb, alb({ Key: "deletion_protection.enabled", Value: "false" }))).toEqual(["deletion_protection.enabled true → false"]);
    expect(lowered(alb(), alb({ Key: "deletion_protection.enabled", Value: "true" }))).toEqual([]);
    expect(lowered(alb({ Key: "deletion_protection.enabled", Value: "false" }), alb())).toEqual([]);
    // LoadBalancerAttributes is optional: a load balancer without it has deletion protection off (AWS's default).
    const bareAlb: Resource = { Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: {} };
    expect(lowered(protectedAlb, bareAlb)).toEqual(["deletion_protection.enabled true → absent"]);
    expect(lowered(bareAlb, protectedAlb)).toEqual([]);
  });

  it("a value that is not a plain string (an intrinsic) is shown as the template writes it", () => {
    const pool = (value: Json): Resource => ({ Type: "AWS::Cognito::UserPool", Properties: { DeletionProtection: value } });
    expect(lowered(pool("ACTIVE"), pool({ Ref: "PoolProtection" }))).toEqual(['DeletionProtection ACTIVE → {"Ref":"PoolProtection"}']);
  });

  it("a deployed value an intrinsic computes (LanguageExtensions, a parameter) may have protected: a weaker desired one counts as lowering", () => {
    const computed = { "Fn::If": ["IsProd", "Retain", "Delete"] } as unknown as "Retain";
    expect(lowered(bucket({ DeletionPolicy: computed }), bucket({ DeletionPolicy: "Delete" }))).toEqual(['DeletionPolicy {"Fn::If":["IsProd","Retain","Delete"]} → Delete']);
    expect(lowered(bucket({ UpdateReplacePolicy: computed }), bucket())).toEqual(['UpdateReplacePolicy {"Fn::If":["IsProd","Retain","Delete"]} → Delete (absent)']);
    expect(lowered(bucket({ DeletionPolicy: computed }), bucket({ DeletionPolicy: "Retain" }))).toEqual([]);

    const pool = (value?: Json): Resource => ({ Type: "AWS::Cognito::UserPool", Properties: value === undefined ? {} : { DeletionProtection: value } });
    expect(lowered(pool({ Ref: "Protection" }), pool("INACTIVE"))).toEqual(['DeletionProtection {"Ref":"Protection"} → INACTIVE']);
    expect(lowered(pool({ Ref: "Protection" }), pool("ACTIVE"))).toEqual([]);

    const versioned = (status: Json) => bucket({}, { VersioningConfiguration: { Status: status } });
    expect(lowered(versioned({ Ref: "Versioning" }), versioned("Suspended"))).toEqual(['versioning {"Ref":"Versioning"} → Suspended']);
    expect(lowered(versioned({ Ref: "Versioning" }), versioned("Enabled"))).toEqual([]);

    const alb = (value: Json): Resource => ({ Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: { LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: value }] } });
    expect(lowered(alb({ Ref: "Protect" }), alb("false"))).toEqual(['deletion_protection.enabled {"Ref":"Protect"} → false']);
    expect(lowered(alb({ Ref: "Protect" }), alb("true"))).toEqual([]);

    const logs = (days?: Json): Resource => ({ Type: "AWS::Logs::LogGroup", Properties: days === undefined ? {} : { RetentionInDays: days } });
    expect(lowered(logs({ Ref: "Days" }), logs(14))).toEqual(['RetentionInDays {"Ref":"Days"} → 14']);
    expect(lowered(logs({ Ref: "Days" }), logs())).toEqual([]);
    // A number written as a string is still that number.
    expect(lowered(logs("30"), logs(60))).toEqual([]);
    expect(lowered(logs("30"), logs(14))).toEqual(["RetentionInDays 30 → 14"]);
  });

  it("bucket versioning suspended or removed", () => {
    const versioned = (status?: string) => bucket({}, status ? { VersioningConfiguration: { Status: status } } : {});
    expect(lowered(versioned("Enabled"), versioned("Suspended"))).toEqual(["versioning Enabled → Suspended"]);
    expect(lowered(versioned("Enabled"), versioned())).toEqual(["versioning Enabled → absent"]);
    expect(lowered(versioned(), versioned("Enabled"))).toEqual([]);
  });

  it("log retention shortened, or set where it was unlimited; never a longer one", () => {
    const logs = (days?: number): Resource => ({ Type: "AWS::Logs::LogGroup", Properties: days === undefined ? {} : { RetentionInDays: days } });
    expect(lowered(logs(30), logs(14))).toEqual(["RetentionInDays 30 → 14"]);
    expect(lowered(logs(), logs(30))).toEqual(["RetentionInDays unlimited → 30"]);
    expect(lowered(logs(30), logs())).toEqual([]);
    expect(lowered(logs(30), logs(60))).toEqual([]);
  });

  it("a removed resource is not a lowering (the change set shows the removal); termination protection off is, on the stack", () => {
    expect(protectionLowerings(NO_DECLARED, "s", state({ R: bucket({ DeletionPolicy: "Retain" }) }, true), state({}, false))).toEqual([
      { logicalId: "s", resourceType: "AWS::CloudFormation::Stack", change: "termination protection on → off" },
    ]);
  });

  it("no deployed template (no stack yet) has nothing to lower", () => {
    expect(protectionLowerings(NO_DECLARED, "s", { terminationProtection: false }, state({ R: bucket() }))).toEqual([]);
    // GetTemplate found no body: nothing deployed to read, which is not a template we cannot read.
    expect(protectionLowerings(NO_DECLARED, "s", deployedProtection(undefined, false), state({ R: bucket() }))).toEqual([]);
  });

  it("a deployed template that cannot be read as ours (YAML) counts as lowering: what it keeps cannot be compared", () => {
    const yaml = deployedProtection("Resources:\n  R:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n", false);
    expect(protectionLowerings(NO_DECLARED, "s", yaml, state({ R: bucket() }))).toEqual([
      { logicalId: "s", resourceType: DEPLOYED_TEMPLATE, change: expect.stringMatching(/^is not JSON with Resources .* cannot be known$/) },
    ]);
  });
});

describe("what protects data today", () => {
  const deployedAs = (envName: "dev" | "prod", node: "storage" | "auth" | "backend" | "network") => {
    const env = loadEnvironment(envName, { vars: {}, cwd: "/nonexistent" });
    return { template: synthesize(stackDefinition(node), env), terminationProtection: env.terminationProtection };
  };

  it("prod's stacks do, dev's do not; versioning and log retention alone do not count", () => {
    for (const node of ["storage", "auth", "backend", "network"] as const) {
      expect(protectsData(deployedAs("prod", node))).toBe(true);
      expect(protectsData(deployedAs("dev", node))).toBe(false);
    }
    expect(protectsData(state({ R: bucket({}, { VersioningConfiguration: { Status: "Enabled" } }) }))).toBe(false);
  });

  it("each protection alone counts: termination protection, a Retain or Snapshot policy on any resource, a user pool's or a load balancer's deletion protection", () => {
    const queue = (extra: Partial<Resource> = {}): Resource => ({ Type: "AWS::SQS::Queue", ...extra });
    expect(protectsData(state({ R: queue() }, true))).toBe(true);
    expect(protectsData(state({ R: queue({ DeletionPolicy: "Retain" }) }))).toBe(true);
    expect(protectsData(state({ R: queue({ DeletionPolicy: "Snapshot" }) }))).toBe(true);
    expect(protectsData(state({ R: queue({ UpdateReplacePolicy: "Retain" }) }))).toBe(true);
    expect(protectsData(state({ R: queue({ DeletionPolicy: "Delete", UpdateReplacePolicy: "Delete" }) }))).toBe(false);

    const pool = (value: string): Resource => ({ Type: "AWS::Cognito::UserPool", Properties: { DeletionProtection: value } });
    expect(protectsData(state({ R: pool("ACTIVE") }))).toBe(true);
    expect(protectsData(state({ R: pool("INACTIVE") }))).toBe(false);

    const alb = (properties?: Record<string, Json>): Resource => ({ Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: properties });
    const attribute = (value: string) => ({ LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: value }] });
    expect(protectsData(state({ R: alb(attribute("true")) }))).toBe(true);
    expect(protectsData(state({ R: alb(attribute("false")) }))).toBe(false);
    expect(protectsData(state({ R: alb() }))).toBe(false);
  });

  it("a property protects only on the type whose API gives it that meaning: a custom resource carries any properties and protects nothing", () => {
    // CloudFormation hands a custom resource's properties to its provider unread, so these keep nothing from deletion.
    const custom = (properties: Record<string, Json>): Resource => ({ Type: "Custom::Seeder", Properties: { ServiceToken: "arn:aws:lambda:us-east-2:1:function:seed", ...properties } });
    expect(protectsData(state({ R: custom({ DeletionProtection: "ACTIVE" }) }))).toBe(false);
    expect(protectsData(state({ R: custom({ LoadBalancerAttributes: [{ Key: "deletion_protection.enabled", Value: "true" }] }) }))).toBe(false);
  });
});
