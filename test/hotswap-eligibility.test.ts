import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/env/load.js";
import type { StackId } from "../src/env/model.js";
import { hotswapVerdict, type HotswapVerdict, type StackRecord, type StackToJudge } from "../src/orchestrator/hotswap/eligibility.js";
import type { Template } from "../src/templates/cfn.js";
import { stackDefinition } from "../src/templates/index.js";
import { stackTags, synthesize } from "../src/templates/stack.js";

const dev = loadEnvironment("dev", { vars: {} });
const stage = loadEnvironment("stage", { vars: {} });
const IMAGE_A = "123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@sha256:" + "a".repeat(64);
const IMAGE_B = "123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@sha256:" + "b".repeat(64);
const BACKEND_PARAMETERS = { ImageUri: IMAGE_A, SecretsArn: "arn:aws:secretsmanager:us-east-2:123456789012:secret:x-AbCdEf", ClusterName: "c" };

/** A deep copy of `node`'s dev template, edited by `edit` (which reaches into it as plain JSON). */
function template(node: StackId, edit: (t: any) => void = () => {}, env = dev): Template {
  const copy = JSON.parse(JSON.stringify(synthesize(stackDefinition(node), env)));
  edit(copy);
  return copy;
}
const appEnvironment = (t: any): { Name: string; Value: unknown }[] => t.Resources.TaskDefinition.Properties.ContainerDefinitions[0].Environment;
const variable = (t: any, name: string) => appEnvironment(t).find((v) => v.Name === name)!;

const record = (node: StackId, overrides: Partial<StackRecord> = {}): StackRecord => ({
  template: template(node),
  parameters: node === "backend" ? BACKEND_PARAMETERS : {},
  tags: stackTags(dev),
  terminationProtection: false,
  ...overrides,
});

/** The deployed stack as given (CREATE_COMPLETE), the desired one as the deployed with `desired` applied. */
function judge(node: StackId, desired: Partial<StackRecord> | { problem: string }, deployed: Partial<StackRecord & { status: string }> | "none" = {}): HotswapVerdict {
  const stack: StackToJudge = {
    node,
    deployed: deployed === "none" ? undefined : { status: "UPDATE_COMPLETE", ...record(node), ...deployed },
    desired: "problem" in desired ? desired : record(node, desired),
  };
  return hotswapVerdict(stack);
}

const notHotswappable = (...differences: string[]) => ({ kind: "not-hotswappable", differences });

describe("which differences a hotswap may skip CloudFormation for", () => {
  const cases: [string, () => HotswapVerdict, unknown][] = [
    ["nothing differs", () => judge("backend", {}), { kind: "unchanged" }],
    ["only the backend's image", () => judge("backend", { parameters: { ...BACKEND_PARAMETERS, ImageUri: IMAGE_B } }), { kind: "hotswappable", image: IMAGE_B }],
    [
      "only a literal container variable",
      () => judge("backend", { template: template("backend", (t) => (variable(t, "LOG_LEVEL").Value = "INFO")) }),
      { kind: "hotswappable", environment: { LOG_LEVEL: "INFO" } },
    ],
    [
      "the image and two literal variables",
      () =>
        judge("backend", {
          parameters: { ...BACKEND_PARAMETERS, ImageUri: IMAGE_B },
          template: template("backend", (t) => {
            variable(t, "LOG_LEVEL").Value = "INFO";
            variable(t, "ENVIRONMENT").Value = "dev-2";
          }),
        }),
      { kind: "hotswappable", image: IMAGE_B, environment: { LOG_LEVEL: "INFO", ENVIRONMENT: "dev-2" } },
    ],
    [
      "another backend parameter, beside the image",
      () => judge("backend", { parameters: { ...BACKEND_PARAMETERS, ImageUri: IMAGE_B, SecretsArn: "arn:other" } }),
      notHotswappable("backend: parameter SecretsArn changed"),
    ],
    [
      "a parameter named ImageUri on a stack that is not the backend",
      () => judge("domain", { parameters: { ImageUri: IMAGE_B } }, { parameters: { ImageUri: IMAGE_A } }),
      notHotswappable("domain: parameter ImageUri changed"),
    ],
    [
      "another stack's template",
      () => judge("storage", { template: template("storage", () => {}, stage) }, { template: template("storage") }),
      expect.objectContaining({ kind: "not-hotswappable", differences: expect.arrayContaining(["storage: template changed (Resources.Bucket.Properties.VersioningConfiguration)"]) }),
    ],
    [
      "the task's CPU",
      () => judge("backend", { template: template("backend", (t) => (t.Resources.TaskDefinition.Properties.Cpu = "1024")) }),
      notHotswappable("backend: template changed (Resources.TaskDefinition.Properties.Cpu)"),
    ],
    [
      "a variable added",
      () => judge("backend", { template: template("backend", (t) => appEnvironment(t).push({ Name: "FEATURE", Value: "on" })) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable FEATURE added"),
    ],
    [
      "a variable removed",
      () => judge("backend", { template: template("backend", (t) => appEnvironment(t).splice(appEnvironment(t).findIndex((v) => v.Name === "LOG_LEVEL"), 1)) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable LOG_LEVEL removed"),
    ],
    [
      "a literal variable that becomes an intrinsic",
      () => judge("backend", { template: template("backend", (t) => (variable(t, "LOG_LEVEL").Value = { Ref: "ClusterName" })) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable LOG_LEVEL is not a plain value"),
    ],
    [
      "an intrinsic variable that changes",
      () => judge("backend", { template: template("backend", (t) => (variable(t, "S3_BUCKET_NAME").Value = { Ref: "ClusterName" })) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable S3_BUCKET_NAME is not a plain value"),
    ],
    [
      "variables reordered only",
      () => judge("backend", { template: template("backend", (t) => appEnvironment(t).reverse()) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: order of variables changed"),
    ],
    [
      "the container's Secrets",
      () => judge("backend", { template: template("backend", (t) => t.Resources.TaskDefinition.Properties.ContainerDefinitions[0].Secrets.pop()) }),
      notHotswappable("backend: template changed (Resources.TaskDefinition.Properties.ContainerDefinitions.0.Secrets)"),
    ],
    [
      "two variables added",
      () => judge("backend", { template: template("backend", (t) => appEnvironment(t).push({ Name: "A", Value: "1" }, { Name: "B", Value: "2" })) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable A added, variable B added"),
    ],
    [
      "two variables that become intrinsics",
      () =>
        judge("backend", {
          template: template("backend", (t) => {
            variable(t, "LOG_LEVEL").Value = { Ref: "ClusterName" };
            variable(t, "ENVIRONMENT").Value = { Ref: "ClusterName" };
          }),
        }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable LOG_LEVEL is not a plain value, variable ENVIRONMENT is not a plain value"),
    ],
    [
      "an intrinsic variable that becomes a literal",
      () => judge("backend", { template: template("backend", (t) => (variable(t, "S3_BUCKET_NAME").Value = "my-bucket")) }),
      notHotswappable("backend: TaskDefinition container 0 Environment: variable S3_BUCKET_NAME is not a plain value"),
    ],
    [
      "the whole Environment made an intrinsic",
      () => judge("backend", { template: template("backend", (t) => (t.Resources.TaskDefinition.Properties.ContainerDefinitions[0].Environment = { "Fn::If": ["C", [], []] })) }),
      notHotswappable("backend: template changed (Resources.TaskDefinition.Properties.ContainerDefinitions.0.Environment)"),
    ],
    [
      "a variable of another container than the app's (a revision changes only the app's)",
      () => {
        const sidecar = (value: string) => (t: any) => t.Resources.TaskDefinition.Properties.ContainerDefinitions.push({ Name: "sidecar", Environment: [{ Name: "MODE", Value: value }] });
        return judge("backend", { template: template("backend", sidecar("b")) }, { template: template("backend", sidecar("a")) });
      },
      notHotswappable("backend: template changed (Resources.TaskDefinition.Properties.ContainerDefinitions.1.Environment.0.Value)"),
    ],
    [
      "a container variable of a resource that is not a task definition",
      () => {
        const other = (value: string) => (t: any) => (t.Resources.Other = { Type: "AWS::Batch::JobDefinition", Properties: { ContainerDefinitions: [{ Name: "mcp-server", Environment: [{ Name: "MODE", Value: value }] }] } });
        return judge("backend", { template: template("backend", other("b")) }, { template: template("backend", other("a")) });
      },
      notHotswappable("backend: template changed (Resources.Other.Properties.ContainerDefinitions.0.Environment.0.Value)"),
    ],
    [
      "a task definition variable on a stack that is not the backend",
      () => judge("storage", { template: template("backend", (t) => (variable(t, "LOG_LEVEL").Value = "INFO")) }, { template: template("backend") }),
      notHotswappable("storage: template changed (Resources.TaskDefinition.Properties.ContainerDefinitions.0.Environment.2.Value)"),
    ],
    ["a parameter removed", () => judge("backend", { parameters: { ImageUri: IMAGE_A, ClusterName: "c" } }), notHotswappable("backend: parameter SecretsArn removed")],
    ["a stack tag", () => judge("backend", { tags: { ...stackTags(dev), Team: "x" } }), notHotswappable("backend: tag Team added")],
    ["termination protection", () => judge("backend", { terminationProtection: true }), notHotswappable("backend: termination protection changed")],
    ["a stack not yet deployed", () => judge("backend", {}, "none"), notHotswappable("backend: not deployed yet (a first deploy goes through CloudFormation)")],
    ["an empty review stack", () => judge("backend", {}, { status: "REVIEW_IN_PROGRESS" }), notHotswappable("backend: not deployed yet (a first deploy goes through CloudFormation)")],
    ["a stack mid-update", () => judge("backend", {}, { status: "UPDATE_IN_PROGRESS" }), notHotswappable("backend: stack is UPDATE_IN_PROGRESS, not a settled deployed state")],
    ["a stack needing recovery", () => judge("backend", {}, { status: "UPDATE_ROLLBACK_FAILED" }), notHotswappable("backend: stack is UPDATE_ROLLBACK_FAILED, not a settled deployed state")],
    ["a desired state that cannot be resolved", () => judge("backend", { problem: "needs UserPoolId from stack auth" }), notHotswappable("backend: needs UserPoolId from stack auth")],
    ["a deployed template that is not JSON", () => judge("backend", {}, { template: undefined }), notHotswappable("backend: deployed template could not be read as JSON")],
  ];
  it.each(cases)("%s", (_name, verdict, expected) => {
    expect(verdict()).toStrictEqual(expected);
  });

  it("an image change together with any other difference lists only what blocks it", () => {
    const verdict = judge("backend", {
      parameters: { ...BACKEND_PARAMETERS, ImageUri: IMAGE_B },
      template: template("backend", (t) => (t.Resources.TaskDefinition.Properties.Memory = "4096")),
    });
    expect(verdict).toEqual(notHotswappable("backend: template changed (Resources.TaskDefinition.Properties.Memory)"));
  });
});
