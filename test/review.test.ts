import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { stackName } from "../src/env/model.js";
import { isReviewedChangeSetCurrent } from "../src/orchestrator/deploy/reviewed-change-sets.js";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

/** In prod: a longer log retention modifies the log group in place; a bigger task replaces the task definition. */
const CHANGED = { logRetentionDays: 60, cpu: 2048, memoryMiB: 4096 };
const STACKS = ["network", "storage", "auth", "backend", "domain"] as const;

const reviewName = (cli: Cli) => /Change sets kept for review \((review-\w+)\)/.exec(cli.output())?.[1];
const stackNames = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;

describe("changeset: review before deploying", () => {
  let h: Harness;
  let base: string;
  beforeEach(() => {
    h = deployHarness();
    base = writeConfig(h.cloud.account);
  });
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it("renders a prod review with one resource modified in place and one replaced, and executes nothing", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const changed = writeConfig(h.cloud.account, { prod: CHANGED });
    const cli = cliHarness(h, changed);
    const before = h.cloud.calls.length;

    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/alert-engine-network-prod: 1 change in change set review-20250101T\d{6}Z/);
    expect(out).toMatch(/Modify\s+ServiceLogGroup\s+AWS::Logs::LogGroup\s+False\s+RetentionInDays/);
    expect(out).toMatch(/Modify\s+TaskDefinition\s+AWS::ECS::TaskDefinition\s+True\s+.*Cpu.*Memory/);
    for (const id of ["storage", "auth", "domain"]) expect(out).toContain(`alert-engine-${id}-prod: no changes`);
    expect(out).toMatch(/note: computed with today's outputs of alert-engine-network-prod, which changes in this review/);
    expect(out).not.toMatch(/WARNING/);

    const review = reviewName(cli)!;
    const mine = h.cloud.calls.slice(before);
    expect(mine.filter((c) => c.command === "ExecuteChangeSet")).toEqual([]);
    expect(mine.filter((c) => c.command === "CreateChangeSet").map(stackNames).sort()).toEqual(["alert-engine-backend-prod", "alert-engine-network-prod"]);
    for (const id of ["network", "backend"]) {
      const reviews = h.cloud.stack(`alert-engine-${id}-prod`)!.changeSets.filter((c) => c.name.startsWith("review-"));
      expect(reviews).toEqual([expect.objectContaining({ name: review, executionStatus: "AVAILABLE" })]);
    }
    expect(out).toContain(`deploy prod --changeset ${review}`);
  });

  it("makes replacements and removals of stateful resources stand out, and warns at the end", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    // Someone renamed the log group by hand in the deployed template: ours would replace it.
    h.cloud.changeStackBehindOurBack("alert-engine-network-prod", (stack) => {
      stack.template.Resources.ServiceLogGroup!.Properties!.LogGroupName = "/aws/ecs/legacy-name";
      stack.templateBody = JSON.stringify({ ...JSON.parse(stack.templateBody), Resources: stack.template.Resources });
    });
    const cli = cliHarness(h, base);

    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/Modify\s+ServiceLogGroup\s+AWS::Logs::LogGroup\s+True\s+LogGroupName\s+<- data at risk/);
    expect(out).toMatch(/WARNING: stateful resources would be replaced or removed:\n\s+- alert-engine-network-prod: ServiceLogGroup \(AWS::Logs::LogGroup\) is REPLACED \(because of LogGroupName\): the old one is retained/);
  });

  it("shows a stack that does not exist as new from the local template, leaving no stack behind", async () => {
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, base);
    expect(await cli.run(["changeset", "dev"])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/alert-engine-network-dev: new: \d+ resources/);
    expect(out).toMatch(/alert-engine-backend-dev: new: 13 resources/);
    expect(out).toMatch(/alert-engine-domain-dev: new: 2 resources[^\n]*\n[^]*note: its inputs come from alert-engine-backend-dev, which is new too/);
    expect(out).toContain("Nothing to execute: no change sets were kept.");
    expect(h.cloud.callsOf("CreateChangeSet")).toEqual([]);
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-dev`)).toBeUndefined();
  });

  it("says an existing stack's inputs cannot be known while an upstream stack is missing", async () => {
    await h.deploy("dev", { env: environmentFrom(base, "dev") });
    // The storage stack disappeared (deleted by hand, say): backend's BucketName is unknown until deploy recreates it.
    h.cloud.services.cloudFormation.stacks.delete("alert-engine-storage-dev");
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } }));
    const before = h.cloud.calls.length;

    expect(await cli.run(["changeset", "dev"])).toBe(0);
    expect(cli.output()).toMatch(/alert-engine-storage-dev: new: 2 resources/);
    expect(cli.output()).toMatch(/alert-engine-backend-dev: not reviewed: its inputs come from alert-engine-storage-dev, which does not exist yet/);
    expect(h.cloud.calls.slice(before).filter((c) => c.command === "CreateChangeSet")).toEqual([]);
  });

  it("writes the same review as JSON and as Markdown", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
    const markdown = join(tmpdir(), `review-${process.pid}-${Date.now()}.md`);

    expect(await cli.run(["changeset", "prod", "--json", "--markdown", markdown])).toBe(0);
    const json = JSON.parse(cli.lines.find((l) => l.trimStart().startsWith("{"))!);
    expect(json).toMatchObject({ environment: "prod", ok: true, keptChangeSets: [{ stack: "alert-engine-network-prod" }, { stack: "alert-engine-backend-prod" }] });
    const network = json.stacks.find((s: { node: string }) => s.node === "network");
    expect(network.changes).toEqual([expect.objectContaining({ action: "Modify", logicalId: "ServiceLogGroup", replacement: "False", properties: ["RetentionInDays"] })]);

    const md = readFileSync(markdown, "utf8");
    expect(md).toContain("## Change review: prod (us-east-2)");
    expect(md).toMatch(/\| Modify \| TaskDefinition \| AWS::ECS::TaskDefinition \| True \| .*Cpu/);
    expect(md).toContain(`\`npm run orchestrate -- deploy prod --changeset ${json.changeSetName} --config `);
  });

  it("deploys exactly the reviewed change sets while they are current", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const changed = writeConfig(h.cloud.account, { prod: CHANGED });
    const cli = cliHarness(h, changed);
    await cli.run(["changeset", "prod"]);
    const review = reviewName(cli)!;
    const before = h.cloud.calls.length;

    // Through the command a person types: the reviewed change sets, approved with --yes.
    expect(await cli.run(["deploy", "prod", "--changeset", review, "--yes"])).toBe(0);
    expect(cli.output()).toMatch(new RegExp(`executing reviewed change set ${review}`));
    const after = h.cloud.calls.slice(before);
    expect(after.filter((c) => c.command === "CreateChangeSet")).toEqual([]);
    expect(after.filter((c) => c.command === "ExecuteChangeSet").map(stackNames).sort()).toEqual(["alert-engine-backend-prod", "alert-engine-network-prod"]);
    expect(h.cloud.stack("alert-engine-network-prod")!.template.Resources.ServiceLogGroup?.Properties?.RetentionInDays).toBe(60);
  });

  it("refuses a reviewed change set once the templates moved on, executing nothing for that stack", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
    await cli.run(["changeset", "prod"]);
    const review = reviewName(cli)!;
    const before = h.cloud.calls.length;

    const moved = environmentFrom(writeConfig(h.cloud.account, { prod: { ...CHANGED, cpu: 4096, memoryMiB: 8192 } }), "prod");
    const report = await h.deploy("prod", { env: moved, reviewed: { name: review, envName: "prod", check: isReviewedChangeSetCurrent, command: (words: string) => `npm run orchestrate -- ${words}` } });
    expect(report.results.get("backend")).toMatchObject({ kind: "failed", message: expect.stringMatching(/not current \(the template changed since the review\)/) });
    const backendCalls = h.cloud.calls.slice(before).filter((c) => c.service === "CloudFormation" && stackNames(c) === stackName(moved, "backend"));
    expect(backendCalls.filter((c) => ["CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet"].includes(c.command))).toEqual([]);
  });

  it("refuses a reviewed change set whose parameters moved on, or that is gone", async () => {
    await h.deploy("dev", { env: environmentFrom(base, "dev") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } }));
    await cli.run(["changeset", "dev"]);
    const review = reviewName(cli)!;
    const cfn = new (await import("../src/aws/cloudformation.js")).CloudFormationApi(h.clients.cloudformation, { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 });
    const deployed = h.cloud.stack("alert-engine-backend-dev")!;
    const body = deployed.changeSets.length ? JSON.stringify(JSON.parse((await cfn.changeSetTemplateBody(deployed.name, review))!)) : "";

    expect(await isReviewedChangeSetCurrent(cfn, deployed.name, review, { templateBody: body, parameters: deployed.parameters })).toEqual({ current: true, changeSetId: expect.stringMatching(/^arn:aws:cloudformation:/) });
    const otherImage = { ...deployed.parameters, ImageUri: `${deployed.parameters.ImageUri}-other` };
    expect(await isReviewedChangeSetCurrent(cfn, deployed.name, review, { templateBody: body, parameters: otherImage })).toEqual({ current: false, why: "parameters changed since the review: ImageUri" });
    expect(await isReviewedChangeSetCurrent(cfn, deployed.name, "review-nope", { templateBody: body, parameters: deployed.parameters })).toMatchObject({ current: false, why: expect.stringMatching(/has no change set review-nope/) });
  });

  it("--discard deletes the reviews' change sets and nobody else's", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
    await cli.run(["changeset", "prod"]);
    const review = reviewName(cli)!;
    const cfn = new (await import("../src/aws/cloudformation.js")).CloudFormationApi(h.clients.cloudformation, { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1 });
    const network = h.cloud.stack("alert-engine-network-prod")!;
    await cfn.createChangeSet({ stackName: network.name, changeSetName: "someone-elses", type: "UPDATE", template: { body: network.templateBody }, parameters: {}, tags: { ...network.tags, Owner: "x" }, capabilities: [], description: "made by hand" });

    expect(await cli.run(["changeset", "prod", "--discard"])).toBe(0);
    expect(cli.output()).toContain(`deleted ${review} on alert-engine-network-prod`);
    const left = (id: string) => h.cloud.stack(`alert-engine-${id}-prod`)!.changeSets.filter((c) => c.executionStatus !== "EXECUTE_COMPLETE").map((c) => c.name);
    expect(left("network")).toEqual(["someone-elses"]);
    expect(left("backend")).toEqual([]);
  });
});
