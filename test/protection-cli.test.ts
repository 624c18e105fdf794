/**
 * Lowering the protection of data (issue 9 #1) and approval in CI (#6), through the CLI against the fake cloud.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

/** The scenario: prod's config switches off what prod retains. */
const LOWERED = { retainData: false, terminationProtection: false };
const STACKS = ["network", "storage", "auth", "backend", "domain"] as const;

const reviewName = (cli: Cli) => /Change sets kept for review \((review-\w+)\)/.exec(cli.output())?.[1];

/** Each lowering the issue names, as the refusal and the review must list it. */
const EXPECTED_LOWERINGS = [
  /alert-engine-storage-prod: Bucket \(AWS::S3::Bucket\): DeletionPolicy Retain → Delete/,
  /alert-engine-storage-prod: Bucket \(AWS::S3::Bucket\): UpdateReplacePolicy Retain → Delete/,
  /alert-engine-auth-prod: UserPool \(AWS::Cognito::UserPool\): DeletionPolicy Retain → Delete/,
  /alert-engine-auth-prod: UserPool \(AWS::Cognito::UserPool\): DeletionProtection ACTIVE → INACTIVE/,
  /alert-engine-network-prod: ServiceLogGroup \(AWS::Logs::LogGroup\): DeletionPolicy Retain → Delete/,
  /alert-engine-backend-prod: LoadBalancer \(AWS::ElasticLoadBalancingV2::LoadBalancer\): deletion_protection\.enabled true → false/,
  ...STACKS.map((id) => new RegExp(`alert-engine-${id}-prod: termination protection on → off`)),
];

describe("lowering protection in an environment that retains data", () => {
  let h: Harness;
  let lowered: string;
  beforeEach(async () => {
    h = deployHarness();
    await h.deploy("prod", { env: environmentFrom(writeConfig(h.cloud.account), "prod") });
    lowered = writeConfig(h.cloud.account, { prod: LOWERED });
  });
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("is refused before anything changes, with or without --yes, naming every lowering and the flag", async () => {
    const changeSets = (id: string) => h.cloud.stack(`alert-engine-${id}-prod`)!.changeSets.map((c) => c.name);
    const before = STACKS.map(changeSets);
    for (const argv of [["deploy", "prod"], ["deploy", "prod", "--yes"]]) {
      const cli = cliHarness(h, lowered);
      const callsBefore = h.cloud.calls.length;
      expect(await cli.run(argv)).toBe(2);
      const mine = h.cloud.calls.slice(callsBefore).map((c) => c.command);
      for (const command of ["CreateChangeSet", "ExecuteChangeSet", "UpdateTerminationProtection", "RequestCertificate", "PutObject"]) expect(mine).not.toContain(command);
      for (const lowering of EXPECTED_LOWERINGS) expect(cli.output()).toMatch(lowering);
      expect(cli.output()).toMatch(/--allow-protection-lowering \(--yes does not imply it\)/);
      // One lowering a line, the way a person reads a list before deciding on the flag.
      expect(cli.output().split("\n")).toContain("  - alert-engine-auth-prod: UserPool (AWS::Cognito::UserPool): DeletionProtection ACTIVE → INACTIVE");
    }
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)!.terminationProtection).toBe(true);
    expect(STACKS.map(changeSets)).toEqual(before);
    expect(h.cloud.stack("alert-engine-storage-prod")!.template.Resources.Bucket!.DeletionPolicy).toBe("Retain");
  });

  it("a deployed template it cannot read (YAML) cannot prove nothing is lowered: refused before anything changes, even with --yes", async () => {
    const yaml = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n";
    h.cloud.changeStackBehindOurBack("alert-engine-storage-prod", (stack) => {
      stack.templateBody = yaml;
    });
    // Only the bucket's policies are lowered, which only the unreadable template could show.
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false } }));
    const before = h.cloud.mutatingCalls().length;
    expect(await cli.run(["deploy", "prod", "--yes", "--stacks", "storage"])).toBe(2);
    expect(h.cloud.mutatingCalls().slice(before)).toEqual([]);
    expect(cli.output()).toMatch(/alert-engine-storage-prod: .*deployed template .*not JSON with Resources/);
    expect(cli.output()).toMatch(/--allow-protection-lowering \(--yes does not imply it\)/);
  });

  it("is applied with --allow-protection-lowering and --yes", async () => {
    const cli = cliHarness(h, lowered);
    expect(await cli.run(["deploy", "prod", "--yes", "--allow-protection-lowering"])).toBe(0);
    expect(h.cloud.stack("alert-engine-storage-prod")!.template.Resources.Bucket!.DeletionPolicy).toBe("Delete");
    expect(h.cloud.stack("alert-engine-auth-prod")!.template.Resources.UserPool!.Properties!.DeletionProtection).toBe("INACTIVE");
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)!.terminationProtection).toBe(false);
  });

  it("with the flag, is still shown at the approval question on a terminal, and a no there changes nothing", async () => {
    const cli = cliHarness(h, lowered);
    const code = await cli.run(["deploy", "prod", "--allow-protection-lowering", "--stacks", "storage"], { interactive: true });
    expect(cli.questions).toEqual([expect.stringMatching(/Execute this change set on alert-engine-storage-prod\?/)]);
    expect(cli.output()).toMatch(/! Bucket \(AWS::S3::Bucket\) lowers protection: DeletionPolicy Retain → Delete/);
    expect(cli.output()).toMatch(/! alert-engine-storage-prod \(AWS::CloudFormation::Stack\) lowers protection: termination protection on → off/);
    expect(code).toBe(1); // the scripted answer is empty: no
    expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => /storage-prod/.test((c.input as { StackName: string }).StackName))).toHaveLength(1); // the first deploy's
    expect(h.cloud.stack("alert-engine-storage-prod")!.terminationProtection).toBe(true);
  });

  it("with the flag, termination protection switched off alone (no change set to show) is asked about too", async () => {
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { terminationProtection: false } }));
    const updates = h.cloud.callsOf("UpdateTerminationProtection").length;
    const code = await cli.run(["deploy", "prod", "--allow-protection-lowering", "--stacks", "storage"], { interactive: true });
    expect(cli.questions).toEqual([expect.stringMatching(/Lower the protection of alert-engine-storage-prod as listed\?/)]);
    expect(cli.output()).toMatch(/alert-engine-storage-prod: no change set; only its termination protection changes/);
    expect(cli.output()).toMatch(/! alert-engine-storage-prod \(AWS::CloudFormation::Stack\) lowers protection: termination protection on → off/);
    expect(code).toBe(1); // the scripted answer is empty: no
    expect(h.cloud.callsOf("UpdateTerminationProtection")).toHaveLength(updates);
    expect(h.cloud.stack("alert-engine-storage-prod")!.terminationProtection).toBe(true);
    cli.answers.push("y");
    expect(await cli.run(["deploy", "prod", "--allow-protection-lowering", "--stacks", "storage"], { interactive: true })).toBe(0);
    expect(h.cloud.stack("alert-engine-storage-prod")!.terminationProtection).toBe(false);
  });

  it("Ctrl-C that arrives as the lowering is approved stops it: termination protection stays on, exit 130", async () => {
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { terminationProtection: false } }));
    const updates = h.cloud.callsOf("UpdateTerminationProtection").length;
    const ctrlC = new AbortController();
    const ask = async () => {
      ctrlC.abort();
      return "y";
    };
    expect(await cli.run(["deploy", "prod", "--allow-protection-lowering", "--stacks", "storage"], { interactive: true, ask, signal: ctrlC.signal })).toBe(130);
    expect(h.cloud.callsOf("UpdateTerminationProtection")).toHaveLength(updates);
    expect(h.cloud.stack("alert-engine-storage-prod")!.terminationProtection).toBe(true);
  });

  it("with the flag but neither a terminal nor --yes, is refused up front (nothing to ask with)", async () => {
    const cli = cliHarness(h, lowered);
    const before = h.cloud.mutatingCalls().length;
    expect(await cli.run(["deploy", "prod", "--allow-protection-lowering"])).toBe(2);
    expect(h.cloud.mutatingCalls()).toHaveLength(before);
  });

  it("is flagged 'lowers protection' by changeset in text, JSON and Markdown", async () => {
    const text = cliHarness(h, lowered);
    expect(await text.run(["changeset", "prod", "--discard"])).toBe(0);
    expect(await text.run(["changeset", "prod"])).toBe(0);
    for (const lowering of EXPECTED_LOWERINGS) expect(text.output()).toMatch(lowering);
    expect(text.output()).toMatch(/alert-engine-storage-prod: .*\n(.*\n)*\s+lowers protection: Bucket \(AWS::S3::Bucket\): DeletionPolicy Retain → Delete/);
    expect(text.output()).toMatch(/deploy refuses this unless it is run with --allow-protection-lowering/);

    vi.restoreAllMocks();
    const stdout: string[] = [];
    const json = cliHarness(h, lowered);
    vi.spyOn(console, "log").mockImplementation((...args) => void stdout.push(args.join(" ")));
    const markdown = join(mkdtempSync(join(tmpdir(), "review-")), "review.md");
    expect(await json.run(["changeset", "prod", "--discard"])).toBe(0);
    stdout.length = 0;
    expect(await json.run(["changeset", "prod", "--json", "--markdown", markdown])).toBe(0);
    const report = JSON.parse(stdout.join("\n"));
    const storage = report.stacks.find((s: { node: string }) => s.node === "storage");
    expect(storage.lowerings).toContainEqual({ logicalId: "Bucket", resourceType: "AWS::S3::Bucket", change: "DeletionPolicy Retain → Delete" });
    expect(report.loweringNeedsOptIn).toBe(true);
    const md = readFileSync(markdown, "utf8");
    expect(md).toMatch(/> \[!CAUTION\]\n> Lowers the protection of data/);
    for (const lowering of EXPECTED_LOWERINGS) expect(md).toMatch(lowering);
  });

  it("`deploy --changeset` in CI does not count termination protection off as reviewed (no change set holds it): refused up front without --yes", async () => {
    // The review keeps network's change set (a longer log retention); termination protection off is in none.
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { terminationProtection: false, logRetentionDays: 60 } }));
    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const updates = h.cloud.callsOf("UpdateTerminationProtection").length;
    expect(await cli.run(["deploy", "prod", "--changeset", reviewName(cli)!, "--allow-protection-lowering"])).toBe(2);
    expect(cli.output()).toMatch(/termination protection off is in no change set, so no review approved it/);
    expect(h.cloud.callsOf("UpdateTerminationProtection")).toHaveLength(updates);
  });

  it("`deploy --changeset` of a reviewed lowering still needs the flag", async () => {
    const cli = cliHarness(h, lowered);
    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const name = reviewName(cli)!;
    expect(await cli.run(["deploy", "prod", "--changeset", name, "--yes"])).toBe(2);
    expect(cli.output()).toMatch(/--allow-protection-lowering/);
    expect(h.cloud.callsOf("ExecuteChangeSet")).toHaveLength(5); // the first deploy's five only
  });
});

describe("a deploy that protects as much or more", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("in dev, once deployed retaining data, switching retain off is refused too: the deployed stacks decide, not the config", async () => {
    h = deployHarness();
    await h.deploy("dev", { env: environmentFrom(writeConfig(h.cloud.account, { dev: { retainData: true } }), "dev") });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(2);
    expect(cli.output()).toMatch(/alert-engine-storage-dev: Bucket \(AWS::S3::Bucket\): DeletionPolicy Retain → Delete/);
    expect(h.cloud.callsOf("CreateChangeSet")).toHaveLength(5); // the first deploy's
  });

  it("in dev, which retains nothing, a shorter log retention deploys (and the review calls it lowering)", async () => {
    h = deployHarness();
    await h.deploy("dev", { env: environmentFrom(writeConfig(h.cloud.account), "dev") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { logRetentionDays: 3 } }));
    expect(await cli.run(["changeset", "dev"])).toBe(0);
    expect(cli.output()).toMatch(/lowers protection: ServiceLogGroup \(AWS::Logs::LogGroup\): RetentionInDays 7 → 3/);
    expect(cli.output()).not.toMatch(/deploy refuses this/);
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(h.cloud.stack("alert-engine-network-dev")!.template.Resources.ServiceLogGroup!.Properties!.RetentionInDays).toBe(3);
  });

  it("a no-op prod deploy still costs three CloudFormation reads per stack: the engine's two (the protection check reuses them) and the live-deploy check's one", async () => {
    h = deployHarness();
    await h.deploy("prod", { env: environmentFrom(writeConfig(h.cloud.account), "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const before = h.cloud.calls.length;
    expect(await cli.run(["deploy", "prod", "--yes"])).toBe(0);
    const cfn = h.cloud.calls.slice(before).filter((c) => c.service === "CloudFormation").map((c) => c.command);
    // Plus one ListChangeSets per stack, in parallel: the CLI's look for another live deploy (live-runs.ts).
    expect(cfn.sort()).toEqual([...Array(5).fill("DescribeStacks"), ...Array(5).fill("GetTemplate"), ...Array(5).fill("ListChangeSets")]);
  });
});

describe("approval in CI (#6)", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("a prod deploy with no terminal and no --yes is refused before anything is created, saying how to proceed", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const config = writeConfig(h.cloud.account);
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "prod"])).toBe(2);
    expect(h.cloud.mutatingCalls()).toEqual([]);
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)).toBeUndefined();
    // The way on works as printed: the project's script, with the --config this run used.
    const printed = /review with '([^']+)', then run the deploy command it prints/.exec(cli.output())?.[1];
    expect(printed).toBe(`npm run orchestrate -- changeset prod --config ${config}`);
    const shown = cli.lines.length;
    expect(await cli.run(printed!.replace("npm run orchestrate -- ", "").split(" "))).toBe(0);
    expect(cli.lines.slice(shown).join("\n")).toMatch(/^Review of prod \(us-east-2\)/);
  });

  it("--require-approval in dev with no terminal and no --yes is refused the same way", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--require-approval", "any-change"])).toBe(2);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  it("`deploy --changeset NAME` in CI runs the reviewed change sets without a second approval", async () => {
    h = deployHarness();
    await h.deploy("prod", { env: environmentFrom(writeConfig(h.cloud.account), "prod") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { prod: { logRetentionDays: 60 } }));
    expect(await cli.run(["changeset", "prod"])).toBe(0);
    const name = reviewName(cli)!;
    expect(await cli.run(["deploy", "prod", "--changeset", name, "--require-approval", "any-change"])).toBe(0);
    expect(cli.questions).toEqual([]);
    expect(h.cloud.stack("alert-engine-network-prod")!.template.Resources.ServiceLogGroup!.Properties!.RetentionInDays).toBe(60);
  });
});
