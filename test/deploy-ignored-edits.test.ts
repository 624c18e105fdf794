/**
 * The deploy's skip check and CloudFormation's own "no changes" answer, driven end to end: a stack
 * that differs only in what CloudFormation compares (tags) is updated, and one that differs only in
 * what CloudFormation ignores (a Description, a resource whose Condition is false, a parameter renamed
 * with the same value) is left unchanged.
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

/**
 * Renames a parameter of the deployed stack, with every Ref and ${} to it, keeping its value: the deployed
 * template differs from ours, but resolves to the same resources (CloudFormation compares values; see the
 * fake-cloud test "compares resolved values").
 */
const renameParameter = (from: string, to: string) => (stack: StackRecord) => {
  const template = JSON.parse(stack.templateBody) as { Parameters: Record<string, unknown> };
  const { [from]: declaration, ...others } = template.Parameters;
  const renamed = JSON.stringify({ ...template, Parameters: { ...others, [to]: declaration } })
    .replaceAll(`{"Ref":"${from}"}`, `{"Ref":"${to}"}`)
    .replaceAll(`\${${from}}`, `\${${to}}`);
  if (renamed.includes(`{"Ref":"${from}"}`) || !renamed.includes(`{"Ref":"${to}"}`)) throw new Error(`no Ref to ${from} to rename`);
  stack.templateBody = renamed;
  stack.template = JSON.parse(renamed) as StackRecord["template"];
  const { [from]: value, ...otherValues } = stack.parameters;
  stack.parameters = { ...otherValues, [to]: value! };
};

/** Edits CloudFormation finds nothing to change in, and a stack each applies to. */
const IGNORED_EDITS = [
  { what: "a Description and a false Condition", stack: "storage", edit: editWhatCloudFormationIgnores },
  { what: "a parameter renamed with the same value", stack: "domain", edit: renameParameter("HostedZoneId", "ZoneId") },
] as const;

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

  describe.each(IGNORED_EDITS)("$what ($stack)", ({ stack: id, edit }) => {
    it("calls the stack unchanged when CloudFormation finds no changes in a template that differs, and removes the empty change set", async () => {
      h = deployHarness();
      await h.deploy("dev");
      const name = `alert-engine-${id}-dev`;
      const deployed = h.cloud.stack(name)!.templateBody;
      h.cloud.changeStackBehindOurBack(name, edit);
      expect(h.cloud.stack(name)!.templateBody).not.toBe(deployed);
      const before = h.cloud.calls.length;

      const report = await h.deploy("dev");
      expect(report.results.get(id)).toMatchObject({ kind: "unchanged" });
      const stackCalls = h.cloud.calls.slice(before).filter((c) => stackOf(c) === name).map((c) => c.command);
      expect(stackCalls.filter((c) => /ChangeSet$/.test(c) && c !== "DescribeChangeSet" && c !== "ListChangeSets")).toEqual(["CreateChangeSet", "DeleteChangeSet"]);
      expect(h.cloud.stack(name)!.changeSets.filter((c) => c.status === "FAILED")).toEqual([]);
      expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => stackOf(c) === name)).toHaveLength(1); // the first deploy's
    });

    it("restores prod's termination protection when CloudFormation finds no changes to make", async () => {
      h = deployHarness();
      await h.deploy("prod");
      const name = `alert-engine-${id}-prod`;
      h.cloud.changeStackBehindOurBack(name, (stack) => {
        edit(stack);
        stack.terminationProtection = false;
      });

      const report = await h.deploy("prod");
      expect(report.results.get(id)).toMatchObject({ kind: "unchanged", notes: expect.arrayContaining(["termination protection enabled"]) });
      expect(h.cloud.stack(name)!.terminationProtection).toBe(true);
      expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => stackOf(c) === name)).toHaveLength(1); // the first deploy's
    });

    it("reviews the stack as having no changes, keeping no change set for it", async () => {
      h = deployHarness();
      const config = writeConfig(h.cloud.account);
      await h.deploy("prod", { env: environmentFrom(config, "prod") });
      const name = `alert-engine-${id}-prod`;
      h.cloud.changeStackBehindOurBack(name, edit);
      const cli = cliHarness(h, config);

      expect(await cli.run(["changeset", "prod"])).toBe(0);
      expect(cli.lastOutput()).toContain(`${name}: no changes`);
      expect(cli.lastOutput()).not.toMatch(/change set failed/);
      expect(h.cloud.stack(name)!.changeSets.filter((c) => c.name.startsWith("review-"))).toEqual([]);
    });
  });
});
