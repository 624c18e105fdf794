/**
 * Names as people type them: environments the config declares, typos answered with a suggestion, stacks by
 * their short or full CloudFormation name, and hints that name the profile and config file actually used.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { STACKS } from "../src/templates/index.js";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

let h: Harness;
afterEach(() => {
  h.cloud.restore();
  vi.restoreAllMocks();
});

/** The harness's config with more environments declared under it. */
function configWith(extra: string): string {
  const file = writeConfig(h.cloud.account);
  appendFileSync(file, extra);
  return file;
}

const declared = (name: string, base: string) =>
  `${name}:\n  extends: ${base}\n  account: "${h.cloud.account}"\n  secretsArn: arn:aws:secretsmanager:us-east-2:${h.cloud.account}:secret:alert-engine/${name}-AbCdEf\n`;

describe("did-you-mean (exit 2, before any AWS call)", () => {
  it.each([["deploy"], ["changeset"], ["status"], ["teardown"]])("%s dve suggests dev", async (command) => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run([command, "dve"])).toBe(2);
    expect(cli.output()).toMatch(/^error: Unknown environment "dve"\. Did you mean "dev"\? Valid environments: dev, stage, prod\.$/m);
    expect(h.cloud.calls).toEqual([]);
  });

  it("synth prdo suggests prod, and lists the environments the config declares", async () => {
    h = deployHarness();
    const cli = cliHarness(h, configWith(declared("qa", "dev")));
    expect(await cli.run(["synth", "prdo", "--out", mkdtempSync(join(tmpdir(), "synth-"))])).toBe(2);
    expect(cli.output()).toContain('error: Unknown environment "prdo". Did you mean "prod"? Valid environments: dev, stage, prod, qa.');
  });

  it("--stacks backnd suggests backend", async () => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--stacks", "network,backnd"])).toBe(2);
    expect(cli.output()).toMatch(/error: unknown stack "backnd" in --stacks\. Did you mean "backend"\? Valid: certificate, network, storage, auth, backend, domain/);
    expect(h.cloud.calls).toEqual([]);
  });
});

describe("--stacks takes full stack names", () => {
  it("alert-engine-network-dev is network, as CloudFormation's console and `status` show it", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--stacks", "alert-engine-network-dev,storage"])).toBe(0);
    expect(h.cloud.stack("alert-engine-network-dev")?.status).toBe("CREATE_COMPLETE");
    expect(h.cloud.stack("alert-engine-storage-dev")?.status).toBe("CREATE_COMPLETE");
    expect(h.cloud.stack("alert-engine-auth-dev")).toBeUndefined();
  });

  it("another environment's stack is refused, naming the command that deploys it", async () => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--stacks", "alert-engine-backend-prod"])).toBe(2);
    expect(cli.output()).toContain(
      "error: --stacks alert-engine-backend-prod is prod's backend stack, not dev's: nothing was changed. Deploy it with 'npm run orchestrate -- deploy prod --stacks backend'",
    );
    expect(h.cloud.calls).toEqual([]);
  });
});

describe("an environment the config declares", () => {
  it("qa (extends dev): changeset, deploy, status and teardown work, under stacks named -qa", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-qa", "latest");
    const cli = cliHarness(h, configWith(declared("qa", "dev")));
    expect(await cli.run(["changeset", "qa"])).toBe(0);
    expect(cli.output()).toContain("alert-engine-backend-qa");
    expect(await cli.run(["deploy", "qa"])).toBe(0);
    for (const { id } of STACKS) expect(h.cloud.stack(`alert-engine-${id}-qa`)?.status).toBe("CREATE_COMPLETE");
    expect(h.cloud.stack("alert-engine-network-dev")).toBeUndefined();
    expect(cli.output()).toContain("https://api.qa-alert-engine.totogicore.com");
    expect(await cli.run(["status", "qa"])).toBe(0);
    expect(await cli.run(["teardown", "qa", "--yes"])).toBe(0);
    for (const { id } of STACKS) expect(h.cloud.stack(`alert-engine-${id}-qa`)).toBeUndefined();
  });

  it("prod-eu (extends prod) is guarded as prod is: approval by default, teardown only with --force", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod-eu", "latest");
    const cli = cliHarness(h, configWith(declared("prod-eu", "prod")));
    expect(await cli.run(["deploy", "prod-eu"])).toBe(2);
    expect(cli.output()).toMatch(/deploy prod-eu may need approval \(--require-approval broadening\)/);
    expect(await cli.run(["teardown", "prod-eu", "--yes"])).toBe(2);
    expect(cli.output()).toMatch(/refusing to tear down prod-eu without --force/);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });
});

describe("hints name the profile and the config file actually used", () => {
  it("--profile nosuch: the refusal names that profile instead of asking for --profile", async () => {
    h = deployHarness();
    h.cloud.mocks.STS.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error("Could not resolve credentials using profile: [nosuch] in configuration/credentials file(s)."), { name: "CredentialsProviderError" }),
    );
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--profile", "nosuch"])).toBe(2);
    const out = cli.output();
    expect(out).toMatch(/profile "nosuch" \(from --profile\) gave no credentials/);
    expect(out).toContain("aws configure list-profiles");
    expect(out).toContain("aws sso login --profile nosuch");
    expect(out).not.toContain("pass --profile NAME");
  });

  it("AWS_PROFILE: a wrong account names the profile the credentials came from", async () => {
    h = deployHarness();
    vi.stubEnv("AWS_PROFILE", "team-dev");
    try {
      const cli = cliHarness(h, writeConfig("999999999999"));
      expect(await cli.run(["deploy", "dev"])).toBe(2);
      expect(cli.output()).toMatch(/the credentials \(profile "team-dev", from AWS_PROFILE\) belong to account \d{12}/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  describe("no ECR repository yet: the bootstrap command printed repeats this run's --config and --region", () => {
    it.each([
      ["deploy", ["deploy", "dev"]],
      ["changeset", ["changeset", "dev"]],
      ["deploy --build", ["deploy", "dev", "--build", "BUILD_DIR"]],
    ])("%s", async (_, argv) => {
      h = deployHarness();
      const config = writeConfig(h.cloud.account);
      const cli = cliHarness(h, config);
      const dir = mkdtempSync(join(tmpdir(), "app-"));
      expect(await cli.run([...argv.map((word) => (word === "BUILD_DIR" ? dir : word)), "--region", "us-east-2"])).toBe(2);
      expect(cli.lastOutput()).toContain(`'npm run orchestrate -- bootstrap dev --config ${config} --region us-east-2'`);
      expect(h.cloud.mutatingCalls()).toEqual([]);
    });
  });

  it("--config other.yaml: the fix is named in other.yaml, not orchestrate.config.yaml", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const other = join(mkdtempSync(join(tmpdir(), "other-")), "other.yaml");
    writeFileSync(other, `dev:\n  account: "${h.cloud.account}"\n`); // no secretsArn: the placeholder stays
    const cli = cliHarness(h, other);
    expect(await cli.run(["deploy", "dev"])).toBe(2);
    expect(cli.output()).toContain(`set dev.secretsArn in ${other}`);
    expect(cli.output()).not.toContain("orchestrate.config.yaml");
  });
});
