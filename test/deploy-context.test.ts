/** What CreateChangeSet must be told a template needs acknowledged (CreateStack API reference, Capabilities). */
import { describe, expect, it } from "vitest";
import { requiredCapabilities } from "../src/orchestrator/deploy/deploy-context.js";
import type { Resource, Template } from "../src/templates/cfn.js";

const template = (...resources: Resource[]): Template => ({
  AWSTemplateFormatVersion: "2010-09-09",
  Description: "t",
  Resources: Object.fromEntries(resources.map((r, i) => [`R${i}`, r])),
});

describe("the capabilities a template needs", () => {
  it("none without IAM resources, even with a property named like an IAM name", () => {
    expect(requiredCapabilities(template({ Type: "AWS::S3::Bucket" }))).toEqual([]);
    expect(requiredCapabilities(template({ Type: "Custom::Thing", Properties: { ServiceToken: "arn", RoleName: "x" } }))).toEqual([]);
  });

  it("CAPABILITY_IAM for IAM resources CloudFormation names itself", () => {
    expect(requiredCapabilities(template({ Type: "AWS::S3::Bucket" }, { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: {} } }))).toEqual(["CAPABILITY_IAM"]);
    // Another resource's own name property does not make the IAM resource named.
    expect(requiredCapabilities(template({ Type: "AWS::IAM::Role" }, { Type: "Custom::Thing", Properties: { UserName: "x" } }))).toEqual(["CAPABILITY_IAM"]);
  });

  it("CAPABILITY_NAMED_IAM too for an IAM resource with a custom name, of each kind", () => {
    const cases: Array<[string, string]> = [
      ["AWS::IAM::Role", "RoleName"],
      ["AWS::IAM::ManagedPolicy", "ManagedPolicyName"],
      ["AWS::IAM::User", "UserName"],
      ["AWS::IAM::Group", "GroupName"],
      ["AWS::IAM::InstanceProfile", "InstanceProfileName"],
    ];
    for (const [type, property] of cases) {
      expect(requiredCapabilities(template({ Type: "AWS::IAM::Role" }, { Type: type, Properties: { [property]: "alert-engine-x" } })), type).toEqual(["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]);
    }
  });
});
