/**
 * What `changeset` shows beyond its change rows, and that the deploy's approval judges access the same way:
 * values before → after, parameters in plain words (the image's digests), IAM statement and security-group
 * rule tables judged by content, lowered protection, and the summary counts first; in text and in Markdown.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const hex12 = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);
/** The summary line of one stack: its counts of adds, modifies, removes, replacements, widenings, lowerings. */
const summaryLine = (out: string, stack: string) => new RegExp(`^\\s*${stack}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$`, "m").exec(out)?.slice(1).map(Number);
const markdownPath = () => join(tmpdir(), `review-${Math.random().toString(36).slice(2)}.md`);
/** The Markdown section of one stack, up to the next stack's heading. */
const section = (markdown: string, stack: string) => markdown.split(/^### /m).find((s) => s.startsWith(stack)) ?? "";

describe("changeset: what the review shows, judged by content", () => {
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

  async function review(cli: Cli, env: string, ...flags: string[]) {
    const file = markdownPath();
    expect(await cli.run(["changeset", env, "--markdown", file, ...flags]), cli.output()).toBe(0);
    return { out: cli.output(), markdown: readFileSync(file, "utf8") };
  }

  it("an image change shows the ImageUri parameter with both digests and the new tag", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const before = h.cloud.stack("alert-engine-backend-prod")!.parameters.ImageUri!;
    const v2 = h.cloud.putImage("alert-engine-prod", "v2");
    const { out, markdown } = await review(cliHarness(h, base), "prod", "--image-tag", "v2");

    const oldDigest = hex12(before.split("@")[1]!);
    const newDigest = hex12(v2.digest);
    expect(oldDigest).not.toBe(newDigest);
    expect(out).toMatch(new RegExp(`ImageUri\\s+alert-engine-prod \\(sha256:${oldDigest}…\\)\\s+alert-engine-prod:v2 \\(sha256:${newDigest}…\\)`));
    // The task definition's container image changes with it: the one changed field, resolved, digests readable.
    expect(out).toMatch(new RegExp(`TaskDefinition\\s+ContainerDefinitions\\[0\\]\\.Image\\s+alert-engine-prod \\(sha256:${oldDigest}…\\)\\s+alert-engine-prod \\(sha256:${newDigest}…\\)\\s+replaces`));
    expect(out).not.toContain("${ImageUri}");
    const backend = section(markdown, "alert-engine-backend-prod");
    expect(backend).toContain("**Parameters**");
    expect(backend).toMatch(new RegExp(`\\| \`ImageUri\` \\| \`alert-engine-prod \\(sha256:${oldDigest}…\\)\` \\| \`alert-engine-prod:v2 \\(sha256:${newDigest}…\\)\` \\|`));
  });

  it("a secret ARN change shows the IAM statement before and after, judged widening, and counted in the summary first", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const moved = join(tmpdir(), `moved-secret-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(moved, readFileSync(base, "utf8").replace("alert-engine/prod-AbCdEf", "alert-engine/prod-XyZ123"));
    const { out, markdown } = await review(cliHarness(h, moved), "prod");

    const old = /^\s*-\s+(\S+)\s+Allow\s+(\S.*?)\s+(arn:aws:secretsmanager:\S+prod-AbCdEf)\s.*\bnarrows$/m.exec(out);
    const added = /^\s*\+\s+(\S+)\s+Allow\s+(\S.*?)\s+(arn:aws:secretsmanager:\S+prod-XyZ123)\s.*\bwidens$/m.exec(out);
    expect(old, out).not.toBeNull();
    expect(added, out).not.toBeNull();
    expect(added![1]).toBe(old![1]); // the same role's policy, before and after
    expect(added![2]).toBe(old![2]); // the same actions on another secret
    expect(out).toMatch(/SecretsArn\s+arn:aws:secretsmanager:\S+prod-AbCdEf\s+arn:aws:secretsmanager:\S+prod-XyZ123/);
    expect(out).toMatch(/! \S+ \(AWS::IAM::Role\) widens access: grants 1 IAM statement not granted before/);
    // The summary comes before any stack's detail and counts the widening.
    expect(out.indexOf("Summary:")).toBeLessThan(out.indexOf("alert-engine-network-prod:"));
    expect(summaryLine(out, "alert-engine-backend-prod")?.[4]).toBe(1);

    const summary = markdown.slice(0, markdown.indexOf("### "));
    expect(summary).toMatch(/\| alert-engine-backend-prod \| 0 \| \d+ \| 0 \| \d+ \| 1 \| 0 \|/);
    const backend = section(markdown, "alert-engine-backend-prod");
    expect(backend).toContain("**IAM statement changes**");
    expect(backend).toMatch(/\| `\+` \| `[^`]+` \| `Allow` \| `[^`]+` \| `arn:aws:secretsmanager:[^`]+prod-XyZ123` \|.*\| `widens` \|/);
    expect(backend).toMatch(/\| `-` \| `[^`]+` \| `Allow` \| `[^`]+` \| `arn:aws:secretsmanager:[^`]+prod-AbCdEf` \|.*\| `narrows` \|/);
    expect(backend).toMatch(/- \S+ \(AWS::IAM::Role\) widens access/);
  });

  it("a security-group rule removed is judged narrowing: shown as such, and prod deploys it without asking", async () => {
    const open = writeConfig(h.cloud.account, { prod: { databaseDestination: "10.50.0.0/16" } });
    await h.deploy("prod", { env: environmentFrom(open, "prod") });
    const { out, markdown } = await review(cliHarness(h, base), "prod");

    expect(out).toMatch(/^\s*-\s+TaskSecurityGroup\s+out\s+tcp\s+5432\s+10\.50\.0\.0\/16\s+Database outside the VPC at 10\.50\.0\.0\/16\s+narrows$/m);
    expect(out).toMatch(/TaskSecurityGroup\s+SecurityGroupEgress\[3\]\s+\{"IpProtocol":"tcp".*10\.50\.0\.0\/16"\}\s+absent$/m);
    expect(out).not.toMatch(/widens access/);
    expect(summaryLine(out, "alert-engine-backend-prod")).toEqual([0, 1, 0, 0, 0, 0]);
    const backend = section(markdown, "alert-engine-backend-prod");
    expect(backend).toContain("**Security-group rule changes**");
    expect(backend).toMatch(/\| `-` \| `TaskSecurityGroup` \| `out` \| `tcp` \| `5432` \| `10\.50\.0\.0\/16` \|.*\| `narrows` \|/);
    expect(backend).not.toContain("Needs approval");

    const cli = cliHarness(h, base);
    const ask = vi.fn(async () => "n");
    expect(await cli.run(["deploy", "prod"], { interactive: true, ask })).toBe(0);
    expect(ask).not.toHaveBeenCalled();
    const egress = JSON.stringify(h.cloud.stack("alert-engine-backend-prod")!.template.Resources.TaskSecurityGroup!.Properties!.SecurityGroupEgress);
    expect(egress).not.toContain("10.50.0.0/16");
  });

  it("a rule added is judged widening: the review says so and prod's deploy asks, showing the same rule table", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const open = writeConfig(h.cloud.account, { prod: { databaseDestination: "10.50.0.0/16" } });
    const { out } = await review(cliHarness(h, open), "prod");
    expect(out).toMatch(/^\s*\+\s+TaskSecurityGroup\s+out\s+tcp\s+5432\s+10\.50\.0\.0\/16\s.*widens$/m);
    expect(out).toMatch(/! TaskSecurityGroup \(AWS::EC2::SecurityGroup\) widens access: adds 1 security-group rule/);

    const cli = cliHarness(h, open);
    const ask = vi.fn(async () => "n");
    await cli.run(["deploy", "prod"], { interactive: true, ask });
    expect(ask).toHaveBeenCalledTimes(1);
    expect(cli.output()).toMatch(/^\s*\+\s+TaskSecurityGroup\s+out\s+tcp\s+5432\s+10\.50\.0\.0\/16\s.*widens$/m);
  });

  it("a lowered DeletionPolicy is flagged and counted in the summary, in text and Markdown", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const lowered = writeConfig(h.cloud.account, { prod: { retainData: false } });
    const { out, markdown } = await review(cliHarness(h, lowered), "prod");

    expect(out).toMatch(/lowers protection: \S+ \(AWS::S3::Bucket\): DeletionPolicy Retain → Delete/);
    expect(summaryLine(out, "alert-engine-storage-prod")?.[5]).toBeGreaterThanOrEqual(1);
    const summary = markdown.slice(0, markdown.indexOf("### "));
    expect(summary).toMatch(/\| alert-engine-storage-prod \| 0 \| \d+ \| 0 \| 0 \| 0 \| [1-9]\d* \|/);
    expect(section(markdown, "alert-engine-storage-prod")).toMatch(/\*\*lowers protection\*\*: \S+ \(AWS::S3::Bucket\): DeletionPolicy Retain → Delete/);
  });

  it("a removed bucket whose deployed DeletionPolicy is computed (LanguageExtensions) is shown as a loss, not a crash", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const storage = h.cloud.stack("alert-engine-storage-prod")!;
    // Someone deployed an extra bucket whose policy an intrinsic decides; the review cannot know what it resolves to,
    // so it takes the cautious reading: the bucket and its data go.
    const deployed = JSON.parse(storage.templateBody) as { Transform?: string; Resources: Record<string, object> };
    deployed.Transform = "AWS::LanguageExtensions";
    deployed.Resources.Archive = { Type: "AWS::S3::Bucket", DeletionPolicy: { "Fn::If": ["IsProd", "Retain", "Delete"] } };
    h.cloud.putStack({ name: storage.name, template: JSON.stringify(deployed), parameters: storage.parameters, tags: storage.tags, terminationProtection: true });

    const { out, markdown } = await review(cliHarness(h, base), "prod");
    expect(out).toMatch(/alert-engine-storage-prod: Archive \(AWS::S3::Bucket\) is REMOVED: the old one and its data are DELETED/);
    expect(section(markdown, "alert-engine-storage-prod")).toContain("Archive");
  });

  it("the fake returns BeforeContext/AfterContext only to a DescribeChangeSet that asks with IncludePropertyValues, as the API does", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    const longer = writeConfig(h.cloud.account, { prod: { logRetentionDays: 60 } });
    const { out, markdown } = await review(cliHarness(h, longer), "prod");
    expect(out).toMatch(/^\s+ServiceLogGroup\s+RetentionInDays\s+30\s+60\s*$/m);
    expect(section(markdown, "alert-engine-network-prod")).toContain("| `ServiceLogGroup` | `RetentionInDays` | `30` | `60` |");
    const set = h.cloud.stack("alert-engine-network-prod")!.changeSets.find((c) => c.name.startsWith("review-"))!;
    const describe = (IncludePropertyValues?: boolean) =>
      h.clients.cloudformation.send(new DescribeChangeSetCommand({ StackName: "alert-engine-network-prod", ChangeSetName: set.name, IncludePropertyValues }));
    const plain = (await describe()).Changes![0]!.ResourceChange!;
    expect(plain.BeforeContext).toBeUndefined();
    expect(plain.AfterContext).toBeUndefined();
    const detailed = (await describe(true)).Changes![0]!.ResourceChange!;
    expect(JSON.parse(detailed.BeforeContext!).Properties.RetentionInDays).toBe(30);
    expect(JSON.parse(detailed.AfterContext!).Properties.RetentionInDays).toBe(60);
  });

  it("Markdown folds a long table into a <details> section that names it and counts its rows", async () => {
    await h.deploy("prod", { env: environmentFrom(base, "prod") });
    // Someone opened ten ports by hand in the deployed template: the review takes them away again.
    h.cloud.changeStackBehindOurBack("alert-engine-backend-prod", (stack) => {
      const egress = stack.template.Resources.TaskSecurityGroup!.Properties!.SecurityGroupEgress as unknown[];
      for (let port = 8000; port < 8010; port++) egress.push({ IpProtocol: "tcp", FromPort: port, ToPort: port, CidrIp: "0.0.0.0/0" });
      stack.templateBody = JSON.stringify({ ...JSON.parse(stack.templateBody), Resources: stack.template.Resources });
    });
    const { markdown } = await review(cliHarness(h, base), "prod");
    const backend = section(markdown, "alert-engine-backend-prod");
    const folded = /<details><summary>Security-group rule changes \((\d+)\)<\/summary>\n\n([^]*?)\n<\/details>/.exec(backend);
    expect(folded, backend).not.toBeNull();
    expect(Number(folded![1])).toBe(10);
    for (let port = 8000; port < 8010; port++) expect(folded![2]).toContain(`| \`-\` | \`TaskSecurityGroup\` | \`out\` | \`tcp\` | \`${port}\` | \`0.0.0.0/0\` |`);
    expect(backend).not.toContain("Needs approval");
  });
});
