/** Drift around the review: `changeset --drift` marks overwrites; `deploy --revert-drift` puts drift back. */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const stackNames = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;

describe("drift", () => {
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

  it("changeset --drift marks each change that would overwrite a resource changed outside CloudFormation, and only those", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    h.cloud.driftResource("alert-engine-network-prod", "ServiceLogGroup");
    h.cloud.driftResource("alert-engine-backend-prod", "TaskSecurityGroup");
    const markdown = `${base}.md`;
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { logRetentionDays: 60 } }));
    expect(await cli.run(["changeset", "prod", "--drift", "--markdown", markdown])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/alert-engine-network-prod: 1 change[^]*overwrites drift: ServiceLogGroup \(AWS::Logs::LogGroup\) was changed outside CloudFormation/);
    // Drifted, but the review does not touch it: nothing of it is overwritten.
    expect(out).not.toMatch(/overwrites drift: TaskSecurityGroup/);
    expect(readFileSync(markdown, "utf8")).toMatch(/### alert-engine-network-prod[^#]*- \*\*overwrites drift\*\*: ServiceLogGroup \(AWS::Logs::LogGroup\) was changed outside CloudFormation/);
    expect(h.cloud.callsOf("DetectStackDrift").map(stackNames)).toContain("alert-engine-network-prod");
  });

  it("changeset without --drift detects none", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    h.cloud.driftResource("alert-engine-network-prod", "ServiceLogGroup");
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { logRetentionDays: 60 } }));
    expect(await cli.run(["changeset", "prod"])).toBe(0);
    expect(cli.output()).not.toContain("overwrites drift");
    expect(h.cloud.callsOf("DetectStackDrift")).toEqual([]);
  });

  it("deploy --revert-drift puts a drifted resource back though the template did not change; a plain deploy leaves it", async () => {
    const env = environmentFrom(base, "dev");
    h.cloud.putImage("alert-engine-dev", "latest");
    await h.deploy("dev", { env });
    h.cloud.driftResource("alert-engine-network-dev", "ServiceLogGroup");

    expect(await cliHarness(h, base).run(["deploy", "dev", "--stacks", "network"])).toBe(0);
    expect(h.cloud.callsOf("CreateChangeSet").filter((c) => stackNames(c) === "alert-engine-network-dev")).toHaveLength(1);

    expect(await cliHarness(h, base).run(["deploy", "dev", "--stacks", "network", "--revert-drift"])).toBe(0);
    const creates = h.cloud.callsOf("CreateChangeSet").filter((c) => stackNames(c) === "alert-engine-network-dev");
    expect(creates).toHaveLength(2);
    expect((creates[1]!.input as { DeploymentMode?: string }).DeploymentMode).toBe("REVERT_DRIFT");
    expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => stackNames(c) === "alert-engine-network-dev")).toHaveLength(2);

    const status = cliHarness(h, base);
    expect(await status.run(["status", "dev", "--drift"])).toBe(0);
    expect(status.output()).toMatch(/alert-engine-network-dev\s+UPDATE_COMPLETE.*drift: IN_SYNC/);
  });

  it("deploy --revert-drift with --changeset is refused before anything in AWS is asked", async () => {
    const cli = cliHarness(h, base);
    expect(await cli.run(["deploy", "prod", "--revert-drift", "--changeset", "review-20250101T000000Z"])).toBe(2);
    expect(cli.output()).toContain("--revert-drift and --changeset cannot be combined");
    expect(h.cloud.calls).toEqual([]);
  });
});
