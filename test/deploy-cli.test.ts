import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

describe("orchestrate deploy (the command a person types)", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("deploys dev, prints the API URL (the stacks' outputs only with --verbose), exits 0", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    const out = cli.output();
    expect(out).toMatch(/^\d{4}-\d\d-\d\dT\S+Z network\s+started$/m);
    expect(out).not.toMatch(/backend\.LoadBalancerDnsName = /);
    expect(out).toMatch(/^  API\s+https:\/\/api\.dev-alert-engine\.totogicore\.com$/m);
  });

  it("--json prints one summary document and --outputs-file writes the outputs", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const file = join(mkdtempSync(join(tmpdir(), "outputs-")), "outputs.json");
    const stdout: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void stdout.push(args.join(" ")));
    expect(await cli.run(["deploy", "dev", "--json", "--outputs-file", file])).toBe(0);
    const summary = JSON.parse(stdout.join("\n"));
    expect(summary).toMatchObject({ environment: "dev", ok: true, stacks: { network: { action: "create" }, domain: { action: "create" } } });
    expect(JSON.parse(readFileSync(file, "utf8")).outputs.storage.BucketName).toBe(summary.stacks.storage.outputs.BucketName);
  });

  it("says at the end how many calls AWS throttled and were retried", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.throttle({ command: "DescribeStacks", times: 3 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(cli.output()).toContain("AWS throttled or dropped 3 calls (ThrottlingException ×3); each was retried with backoff");
  });

  it("exits 1 naming the root cause when a stack fails", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.failResource({ stack: "alert-engine-auth-dev", logicalId: "UserPool", reason: "Invalid email configuration" });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(1);
    expect(cli.output()).toMatch(/^  auth\s+FAILED after \S+: create failed \(ROLLBACK_COMPLETE\)$/m);
    expect(cli.output()).toMatch(/^auth failed: UserPool \(AWS::Cognito::UserPool\): Invalid email configuration$/m);
    expect(cli.output()).toMatch(/backend\s+skipped: not started: auth did not complete/);
  });

  it("in prod with no terminal and no --yes, the deploy is refused before anything changes: never a silent yes, never half-made", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "prod"])).toBe(2);
    expect(cli.output()).toMatch(/may need approval .* there is no terminal to ask and no --yes: nothing was changed/);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  it("Ctrl-C at the approval prompt interrupts the whole run: exit 130, nothing of it executed or left behind", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    // On a terminal readline reads Ctrl-C itself (raw mode): no SIGINT reaches the process, the question rejects.
    const ctrlC = Object.assign(new Error("Aborted with Ctrl+C"), { name: "AbortError" });
    const code = await cli.run(["deploy", "prod"], { interactive: true, ask: async () => Promise.reject(ctrlC) });
    expect(code).toBe(130);
    expect(cli.output()).toMatch(/Interrupted: stopping waits/);
    expect(cli.output()).toMatch(/backend\s+skipped: not started: interrupted/);
    expect(h.cloud.callsOf("ExecuteChangeSet").filter((c) => /auth/.test((c.input as { StackName: string }).StackName))).toEqual([]);
    for (const id of ["network", "storage", "auth"]) {
      expect(h.cloud.stack(`alert-engine-${id}-prod`)?.changeSets.filter((c) => c.executionStatus === "AVAILABLE") ?? []).toEqual([]);
    }
  });

  it("asks about one change set at a time: on a terminal, one typed 'y' would answer every open question", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    let open = 0;
    let mostOpen = 0;
    const asked: string[] = [];
    const ask = async (question: string) => {
      asked.push(`${cli.lines.filter((l) => /: \d+ changes in /.test(l)).at(-1)} | ${question}`);
      mostOpen = Math.max(mostOpen, ++open);
      await h.cloud.clock.sleep(5_000); // a person reading the changes
      open--;
      return "y";
    };
    expect(await cli.run(["deploy", "prod", "--require-approval", "any-change"], { interactive: true, ask })).toBe(0);
    expect(mostOpen).toBe(1);
    // Each question comes right after the summary of its own change set.
    for (const line of asked) expect(line).toMatch(/^\n?(alert-engine-\w+-prod): \d+ changes in \S+ \| Execute this change set on \1\?/);
    expect(asked.length).toBeGreaterThanOrEqual(5);
    // The person sees every change before answering, not only the flagged ones.
    const plain = cli.output().replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toMatch(/alert-engine-auth-prod: \d+ changes in \S+\n\s+Action\s+Logical id\s+Type\s+Replacement\s+Properties\n\s+Add\s+UserPool\s+AWS::Cognito::UserPool/);
  });

  it("in prod --yes approves and --stacks limits the run", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "prod", "--yes", "--stacks", "storage,network"])).toBe(0);
    expect(h.cloud.stack("alert-engine-storage-prod")?.terminationProtection).toBe(true);
    expect(h.cloud.stack("alert-engine-backend-prod")).toBeUndefined();
  });

  it("exits 2 before any change for a placeholder secret, naming the field", async () => {
    h = deployHarness();
    const config = join(mkdtempSync(join(tmpdir(), "placeholder-")), "orchestrate.config.yaml");
    writeFileSync(config, `dev:\n  account: "${h.cloud.account}"\n`); // no secretsArn: the shipped placeholder stays
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev"])).toBe(2);
    expect(cli.output()).toMatch(/dev\.secretsArn is still the placeholder/);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  it("exits 2 for an unknown stack in --stacks, listing the valid ones", async () => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--stacks", "backend,frontend"])).toBe(2);
    expect(cli.output()).toMatch(/error: unknown stack "frontend" in --stacks\. Valid: certificate, network, storage, auth, backend, domain/);
    expect(h.cloud.calls).toEqual([]);
  });
});
