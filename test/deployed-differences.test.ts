/**
 * "Nothing to do" as deploy and review decide it: a stack is skipped only when its parameters, tags and template
 * (by meaning, not by spelling) are all what the deploy would send.
 */
import { describe, expect, it } from "vitest";
import type { CloudFormationApi, DeployedStack } from "../src/aws/cloudformation.js";
import { differences, matchesDeployed } from "../src/orchestrator/deploy/deployed-differences.js";
import type { DesiredStack } from "../src/orchestrator/deploy/deploy-context.js";
import type { Template } from "../src/templates/cfn.js";

const template: Template = { AWSTemplateFormatVersion: "2010-09-09", Description: "t", Resources: { Bucket: { Type: "AWS::S3::Bucket", Properties: { BucketName: "b" } } } };
const deployed = (over: Partial<DeployedStack> = {}): DeployedStack => ({
  stackId: "arn:aws:cloudformation:us-east-2:111111111111:stack/s/1",
  name: "s",
  status: "UPDATE_COMPLETE",
  parameters: { ImageUri: "repo@sha256:1", LogLevel: "info" },
  tags: { Project: "alert-engine", Environment: "dev" },
  outputs: {},
  terminationProtection: false,
  ...over,
});
const desired = (over: Partial<DesiredStack> = {}): DesiredStack => ({
  node: "storage",
  name: "s",
  template,
  parameters: { ImageUri: "repo@sha256:1", LogLevel: "info" },
  tags: { Project: "alert-engine", Environment: "dev" },
  terminationProtection: false,
  ...over,
});
/** A CloudFormation that answers GetTemplate with `body` and counts how often it was asked. */
const cfnWith = (body: string | undefined) => {
  const asked: string[] = [];
  const cfn = { templateBody: async (name: string) => (asked.push(name), body) } as unknown as CloudFormationApi;
  return { cfn, asked };
};
// The same template as AWS may hand it back: other key order, other spacing.
const respelled = JSON.stringify({ Resources: { Bucket: { Properties: { BucketName: "b" }, Type: "AWS::S3::Bucket" } }, Description: "t", AWSTemplateFormatVersion: "2010-09-09" }, null, 4);

describe("what differs from the deployed stack", () => {
  it("nothing when parameters, tags and the template's meaning are the same", async () => {
    const { cfn, asked } = cfnWith(respelled);
    expect(await differences(cfn, deployed(), desired())).toEqual([]);
    expect(asked).toEqual(["s"]);
    expect(matchesDeployed(deployed(), respelled, desired())).toBe(true);
  });

  it("names changed, added and removed parameters and tags, sorted, without fetching the template", async () => {
    const { cfn, asked } = cfnWith(respelled);
    const changed = desired({ parameters: { LogLevel: "debug", Extra: "1" }, tags: { Project: "alert-engine", Environment: "dev", Owner: "ops" } });
    expect(await differences(cfn, deployed(), changed)).toEqual(["parameters Extra, ImageUri, LogLevel", "tags Owner"]);
    expect(asked).toEqual([]);
    expect(await differences(cfn, deployed(), desired({ tags: { Project: "alert-engine" } }))).toEqual(["tags Environment"]);
    expect(await differences(cfn, deployed(), desired({ tags: { Project: "other", Owner: "ops" } }))).toEqual(["tags Environment, Owner, Project"]);
    expect(matchesDeployed(deployed(), respelled, desired({ tags: { Project: "alert-engine" } }))).toBe(false);
    expect(matchesDeployed(deployed(), respelled, desired({ parameters: { ImageUri: "repo@sha256:2", LogLevel: "info" } }))).toBe(false);
  });

  it("the template, when its meaning differs or it cannot be read", async () => {
    const edited: Template = { ...template, Resources: { Bucket: { Type: "AWS::S3::Bucket", Properties: { BucketName: "c" } } } };
    expect(await differences(cfnWith(respelled).cfn, deployed(), desired({ template: edited }))).toEqual(["template"]);
    expect(await differences(cfnWith("Resources: {}").cfn, deployed(), desired())).toEqual(["template"]);
    expect(await differences(cfnWith(undefined).cfn, deployed(), desired())).toEqual(["template"]);
    expect(matchesDeployed(deployed(), respelled, desired({ template: edited }))).toBe(false);
    expect(matchesDeployed(deployed(), undefined, desired())).toBe(false);
  });
});
