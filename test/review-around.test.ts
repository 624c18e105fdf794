/** Around the review: CI gating (--fail-on), --stacks, CloudFormation's own validation, kept reviews in status. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

/** In prod: a longer log retention modifies the log group in place; a bigger task makes a new task definition revision. */
const CHANGED = { logRetentionDays: 60, cpu: 2048, memoryMiB: 4096 };
const stackNames = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;
const reviewsOn = (h: Harness, stack: string) => h.cloud.stack(stack)!.changeSets.filter((c) => c.name.startsWith("review-")).map((c) => c.name);
const reviewName = (cli: Cli) => /Change sets kept for review \((review-\w+)\)/.exec(cli.output())?.[1];

describe("changeset around the review", () => {
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

  describe("--fail-on", () => {
    it("any-change exits 3 when the review has changes, and keeps the change sets it shows", async () => {
      await h.deploy("prod", { env: environmentFrom(base, "prod") });
      const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
      expect(await cli.run(["changeset", "prod", "--fail-on", "any-change"])).toBe(3);
      expect(cli.output()).toMatch(/--fail-on any-change: the review holds what this gate stops for \(exit 3\):\n(\s+- .*\n)*\s+- alert-engine-network-prod changes/);
      expect(reviewsOn(h, "alert-engine-network-prod")).toEqual([reviewName(cli)]);
    });

    it("broadening exits 0 when nothing widens access, lowers protection, replaces or removes", async () => {
      await h.deploy("prod", { env: environmentFrom(base, "prod") });
      const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
      expect(await cli.run(["changeset", "prod", "--fail-on", "broadening"])).toBe(0);
    });

    it("broadening exits 3 for a replacement of a stateful resource, naming it", async () => {
      await h.deploy("prod", { env: environmentFrom(base, "prod") });
      h.cloud.changeStackBehindOurBack("alert-engine-network-prod", (stack) => {
        stack.template.Resources.ServiceLogGroup!.Properties!.LogGroupName = "/aws/ecs/legacy-name";
        stack.templateBody = JSON.stringify({ ...JSON.parse(stack.templateBody), Resources: stack.template.Resources });
      });
      const cli = cliHarness(h, base);
      expect(await cli.run(["changeset", "prod", "--fail-on", "broadening"])).toBe(3);
      expect(cli.output()).toMatch(/--fail-on broadening: the review holds[^\n]*\n\s+- alert-engine-network-prod: ServiceLogGroup \(AWS::Logs::LogGroup\) replaces$/m);
    });

    it("broadening exits 3 when a new stack would create IAM roles", async () => {
      h.cloud.putImage("alert-engine-dev", "latest");
      const cli = cliHarness(h, base);
      expect(await cli.run(["changeset", "dev", "--fail-on", "broadening"])).toBe(3);
      expect(cli.output()).toMatch(/--fail-on broadening: [^]*\n\s+- alert-engine-backend-dev: AWS::IAM::Role widens access, AWS::EC2::SecurityGroup widens access/);
    });

    it("refuses an unknown level before anything in AWS is asked", async () => {
      const cli = cliHarness(h, base);
      expect(await cli.run(["changeset", "prod", "--fail-on", "widening"])).toBe(2);
      expect(cli.output()).toMatch(/--fail-on/);
      expect(cli.output()).toMatch(/broadening/);
      expect(h.cloud.calls).toEqual([]);
    });
  });

  it("--stacks reviews only the named stacks, by short id or stack name", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
    const before = h.cloud.calls.length;
    expect(await cli.run(["changeset", "prod", "--stacks", "alert-engine-backend-prod"])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/alert-engine-backend-prod: \d+ changes? in change set/);
    expect(out).not.toContain("alert-engine-network-prod:");
    expect(h.cloud.calls.slice(before).filter((c) => c.command === "CreateChangeSet").map(stackNames)).toEqual(["alert-engine-backend-prod"]);
  });

  it("--stacks refuses an unknown name with exit 2 before anything in AWS changes", async () => {
    const cli = cliHarness(h, base);
    expect(await cli.run(["changeset", "prod", "--stacks", "backnd"])).toBe(2);
    expect(cli.output()).toMatch(/unknown stack "backnd" in --stacks\. Did you mean "backend"\?/);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  describe("CloudFormation's pre-deployment validation", () => {
    it("a change set failing validation is reported with name, path and reason, exits 1 and is deleted", async () => {
      await h.deploy("prod", { env: environmentFrom(base, "prod") });
      h.cloud.failValidation({
        stack: "alert-engine-network-prod",
        logicalId: "ServiceLogGroup",
        name: "AWS::EarlyValidation::PropertyValidation",
        mode: "FAIL",
        path: "/Resources/ServiceLogGroup/Properties/RetentionInDays",
        reason: "#/RetentionInDays: 61 is not a valid enum value",
      });
      const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
      expect(await cli.run(["changeset", "prod"])).toBe(1);
      const out = cli.output();
      expect(out).toMatch(/alert-engine-network-prod: FAILED: change set failed CloudFormation's pre-deployment validation/);
      expect(out).toContain(
        "validation failed: AWS::EarlyValidation::PropertyValidation at /Resources/ServiceLogGroup/Properties/RetentionInDays: #/RetentionInDays: 61 is not a valid enum value",
      );
      expect(reviewsOn(h, "alert-engine-network-prod")).toEqual([]);
      // The other stack's review is unaffected and kept.
      expect(reviewsOn(h, "alert-engine-backend-prod")).toHaveLength(1);
    });

    it("a validation warning is shown in the review and in the Markdown, and the change set is kept", async () => {
      await h.deploy("prod", { env: environmentFrom(base, "prod") });
      h.cloud.failValidation({
        stack: "alert-engine-network-prod",
        logicalId: "ServiceLogGroup",
        name: "AWS::EarlyValidation::ServiceQuotaCheck",
        mode: "WARN",
        reason: "log group quota nearly reached",
      });
      const markdown = `${base}.md`;
      const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
      expect(await cli.run(["changeset", "prod", "--markdown", markdown])).toBe(0);
      expect(cli.output()).toContain("validation warning: AWS::EarlyValidation::ServiceQuotaCheck at /Resources/ServiceLogGroup: log group quota nearly reached");
      const { readFileSync } = await import("node:fs");
      expect(readFileSync(markdown, "utf8")).toContain("**validation warning**: AWS::EarlyValidation::ServiceQuotaCheck at `/Resources/ServiceLogGroup`: log group quota nearly reached");
      expect(reviewsOn(h, "alert-engine-network-prod")).toHaveLength(1);
    });

    it("deploy stops a new stack whose change set fails validation: reason shown, exit 1, no REVIEW_IN_PROGRESS stack left", async () => {
      h.cloud.putImage("alert-engine-dev", "latest");
      h.cloud.failValidation({
        stack: "alert-engine-network-dev",
        logicalId: "InternetGateway",
        name: "AWS::EarlyValidation::ResourceExistenceCheck",
        mode: "FAIL",
        reason: "Resource of type AWS::EC2::InternetGateway with identifier igw-1 already exists",
      });
      const cli = cliHarness(h, base);
      expect(await cli.run(["deploy", "dev"])).toBe(1);
      expect(cli.output()).toContain(
        "validation failed: AWS::EarlyValidation::ResourceExistenceCheck at /Resources/InternetGateway: Resource of type AWS::EC2::InternetGateway with identifier igw-1 already exists",
      );
      expect(h.cloud.callsOf("ExecuteChangeSet").map(stackNames)).not.toContain("alert-engine-network-dev");
      expect(h.cloud.stack("alert-engine-network-dev")).toBeUndefined();
    });

    it("deploy shows a validation warning before it executes the change set", async () => {
      h.cloud.putImage("alert-engine-dev", "latest");
      h.cloud.failValidation({ stack: "alert-engine-network-dev", logicalId: "InternetGateway", name: "AWS::EarlyValidation::ServiceQuotaCheck", mode: "WARN", reason: "2 of 5 internet gateways left" });
      const cli = cliHarness(h, base);
      expect(await cli.run(["deploy", "dev", "--stacks", "network"])).toBe(0);
      expect(cli.output()).toContain("validation warning: AWS::EarlyValidation::ServiceQuotaCheck at /Resources/InternetGateway: 2 of 5 internet gateways left");
    });
  });

  it("status lists the change sets reviews kept, with their age", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const review = reviewName(cli)!;
    h.cloud.clock.advance(3 * 3_600_000 + 5 * 60_000);
    const status = cliHarness(h, base);
    expect(await status.run(["status", "prod"])).toBe(0);
    const out = status.output();
    expect(out).toMatch(new RegExp(`kept reviews:[^]*${review} on alert-engine-network-prod, 3h05m old`));
    expect(out).toMatch(new RegExp(`${review} on alert-engine-backend-prod, 3h05m old`));
    expect(out).toContain(`deploy prod --changeset ${review}`);
  });

  it("a deploy never touches a review's change sets: it neither executes nor deletes them", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: CHANGED }));
    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const review = reviewName(cli)!;
    const before = h.cloud.calls.length;
    // A deploy of a stack the review left alone, and one interrupted by a refusal.
    expect(await cliHarness(h, base).run(["deploy", "prod", "--stacks", "storage", "--yes"])).toBe(0);
    const mine = h.cloud.calls.slice(before);
    const touching = mine.filter((c) => ["ExecuteChangeSet", "DeleteChangeSet"].includes(c.command) && JSON.stringify(c.input).includes(review));
    expect(touching).toEqual([]);
    for (const id of ["network", "backend"]) expect(reviewsOn(h, `alert-engine-${id}-prod`)).toEqual([review]);
  });
});
