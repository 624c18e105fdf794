/**
 * The deploy's skip check and CloudFormation's own "no changes" answer, driven end to end: a stack
 * that differs only in what CloudFormation compares (tags) is updated, and one that differs only in
 * what CloudFormation ignores (a Description, a resource whose Condition is false) is left unchanged.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";
import type { StackRecord } from "./support/fake-cloud.js";

const stackOf = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;

/**
 * Edits the deployed template where CloudFormation does not look when it computes a change set: its
 * Description (CreateChangeSet compares resources, parameters, outputs and tags) and a resource whose
 * Condition is false (CloudFormation "creates entities only if the condition is true", so one whose
 * condition is false is not part of the stack: AWS CloudFormation User Guide, Conditions section).
 */
function editWhatCloudFormationIgnores(stack: StackRecord) {
  const template = JSON.parse(stack.templateBody) as { Description?: string; Conditions?: Record<string, unknown>; Resources: Record<string, unknown> };
  template.Description = `${template.Description ?? ""} (edited in the console)`;
  template.Conditions = { ...template.Conditions, NeverTrue: { "Fn::Equals": ["a", "b"] } };
  template.Resources.Unused = { Type: "AWS::SNS::Topic", Condition: "NeverTrue" };
  stack.templateBody = JSON.stringify(template);
  stack.template = JSON.parse(stack.templateBody) as StackRecord["template"];
}

describe("deploy: what differs for CloudFormation, and what does not", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it("updates a stack whose only difference is a tag removed by hand, and puts the tag back", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const wanted = { ...h.cloud.stack("alert-engine-storage-dev")!.tags };
    const removed = Object.keys(wanted)[0]!;
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", (stack) => void delete stack.tags[removed]);

    const report = await h.deploy("dev");
    expect(report.results.get("storage")).toMatchObject({ kind: "deployed", action: "update", notes: expect.arrayContaining([`changed: tags ${removed}`]) });
    expect(h.cloud.stack("alert-engine-storage-dev")!.tags).toEqual(wanted);
    for (const id of ["network", "auth", "backend", "domain"] as const) expect(report.results.get(id)?.kind).toBe("unchanged");
  });

  it("calls a stack unchanged when CloudFormation finds no changes in a template that differs, and removes the empty change set", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", editWhatCloudFormationIgnores);
    const before = h.cloud.calls.length;

    const report = await h.deploy("dev");
    expect(report.results.get("storage")).toMatchObject({ kind: "unchanged" });
    const storageCalls = h.cloud.calls.slice(before).filter((c) => stackOf(c) === "alert-engine-storage-dev").map((c) => c.command);
    expect(storageCalls.filter((c) => /ChangeSet$/.test(c) && c !== "DescribeChangeSet" && c !== "ListChangeSets")).toEqual(["CreateChangeSet", "DeleteChangeSet"]);
    expect(h.cloud.stack("alert-engine-storage-dev")!.changeSets.filter((c) => c.status === "FAILED")).toEqual([]);
  });

  it("restores prod's termination protection when CloudFormation finds no changes to make", async () => {
    h = deployHarness();
    await h.deploy("prod");
    h.cloud.changeStackBehindOurBack("alert-engine-storage-prod", (stack) => {
      editWhatCloudFormationIgnores(stack);
      stack.terminationProtection = false;
    });

    const report = await h.deploy("prod");
    expect(report.results.get("storage")).toMatchObject({ kind: "unchanged", notes: expect.arrayContaining(["termination protection enabled"]) });
    expect(h.cloud.stack("alert-engine-storage-prod")!.terminationProtection).toBe(true);
    expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => stackOf(c) === "alert-engine-storage-prod")).toHaveLength(1); // the first deploy's
  });

  it("reviews such a stack as having no changes, keeping no change set for it", async () => {
    h = deployHarness();
    const config = writeConfig(h.cloud.account);
    await h.deploy("prod", { env: environmentFrom(config, "prod") });
    h.cloud.changeStackBehindOurBack("alert-engine-storage-prod", editWhatCloudFormationIgnores);
    const cli = cliHarness(h, config);

    expect(await cli.run(["changeset", "prod"])).toBe(0);
    expect(cli.lastOutput()).toContain("alert-engine-storage-prod: no changes");
    expect(cli.lastOutput()).not.toMatch(/change set failed/);
    expect(h.cloud.stack("alert-engine-storage-prod")!.changeSets.filter((c) => c.name.startsWith("review-"))).toEqual([]);
  });
});
