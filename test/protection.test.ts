import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/env/load.js";
import { DEPLOYED_TEMPLATE, deployedProtection, protectionLowerings, protectsData, type ProtectionState } from "../src/orchestrator/protection.js";
import type { Resource, Template } from "../src/templates/cfn.js";
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

  it("policies count on types that hold data and on resources a stack declares stateful, not on others", () => {
    const queue = (policy: Resource["DeletionPolicy"]): Resource => ({ Type: "AWS::SQS::Queue", DeletionPolicy: policy });
    expect(lowered(queue("Retain"), queue("Delete"))).toEqual([]);
    expect(lowered(queue("Retain"), queue("Delete"), { statefulResources: ["R"] })).toEqual(["DeletionPolicy Retain → Delete"]);
  });

  it("user pool and load balancer deletion protection switched off or dropped", () => {
    const pool = (value?: string): Resource => ({ Type: "AWS::Cognito::UserPool", Properties: value ? { DeletionProtection: value } : {} });
    expect(lowered(pool("ACTIVE"), pool())).toEqual(["DeletionProtection ACTIVE → absent"]);
    expect(lowered(pool("INACTIVE"), pool("ACTIVE"))).toEqual([]);
    const alb = (...attributes: { Key: string; Value: string }[]): Resource => ({ Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: { LoadBalancerAttributes: attributes } });
    expect(lowered(alb({ Key: "deletion_protection.enabled", Value: "true" }), alb())).toEqual(["deletion_protection.enabled true → absent"]);
    expect(lowered(alb(), alb({ Key: "deletion_protection.enabled", Value: "true" }))).toEqual([]);
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
});
