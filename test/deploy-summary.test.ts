/** The end of a deploy as a person reads it: the summary, the outputs only when asked, a failure explained once. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

/** The lines after the live view: from the verdict line to the end. */
const summaryOf = (cli: Cli, from = 0) => {
  const lines = cli.lines.slice(from).join("\n").split("\n");
  return lines.slice(lines.findIndex((l) => /^dev: /.test(l)));
};

describe("the summary at the end of a deploy", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("a no-op deploy fits in a handful of lines: each stack once with its action and time, the total, the image and the API URL", async () => {
    h = deployHarness();
    const { digest } = h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    const before = cli.lines.length;
    await h.cloud.clock.sleep(60_000);
    expect(await cli.run(["deploy", "dev"])).toBe(0);

    const summary = summaryOf(cli, before);
    expect(summary.length).toBeLessThanOrEqual(10);
    expect(summary[0]).toMatch(/^dev: no changes in \d+\.\ds$/);
    for (const node of ["certificate", "network", "storage", "auth", "backend", "domain"]) {
      expect(summary.filter((l) => new RegExp(`^  ${node}\\b`).test(l))).toEqual([expect.stringMatching(new RegExp(`^  ${node}\\s+no changes \\(\\d+\\.\\ds\\)$`))]);
    }
    expect(summary).toContain(`  image       latest (${digest.slice(0, "sha256:".length + 12)})`);
    expect(summary).toContain("  API         https://api.dev-alert-engine.totogicore.com");
    expect(cli.output().slice(cli.lines.slice(0, before).join("\n").length)).not.toMatch(/VpcId|BucketName/);
  });

  it("the first deploy says what it created and how long the whole run took; stack outputs only with --verbose", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const quiet = cliHarness(h, writeConfig(h.cloud.account));
    expect(await quiet.run(["deploy", "dev"])).toBe(0);
    const summary = summaryOf(quiet);
    expect(summary[0]).toMatch(/^dev: deployed in (\d+m\d\ds)$/);
    expect(summary).toContainEqual(expect.stringMatching(/^  backend\s+created in \d+m\d\ds$/));
    expect(quiet.output()).not.toMatch(/network\.VpcId =/);

    vi.restoreAllMocks();
    h.cloud.putImage("alert-engine-dev", "v2");
    const verbose = cliHarness(h, writeConfig(h.cloud.account));
    expect(await verbose.run(["--verbose", "deploy", "dev", "--image-tag", "v2"])).toBe(0);
    expect(verbose.output()).toMatch(/network\.VpcId = vpc-/);
    expect(verbose.output()).toMatch(/^  image\s+v2 \(sha256:[0-9a-f]{12}\)$/m);
  });
});

describe("a failed deploy, explained once", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("root cause first, then ECS's evidence (stop reason, exit code, target health), then the command that shows the logs", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const first = cliHarness(h, writeConfig(h.cloud.account));
    expect(await first.run(["deploy", "dev"])).toBe(0);
    vi.restoreAllMocks();

    h.cloud.putImage("alert-engine-dev", "broken");
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "Service", operation: "update", reason: "Resource handler returned message: \"Service did not stabilize\"" });
    h.cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", exitCode: 1 });
    h.cloud.targetHealth([{ state: "unhealthy", reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [404]", targetId: "10.0.16.10", port: 8000 }]);
    const config = writeConfig(h.cloud.account);
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev", "--image-tag", "broken"])).toBe(1);

    const summary = summaryOf(cli);
    expect(summary[0]).toMatch(/^dev: FAILED after \d+m\d\ds$/);
    const start = summary.findIndex((l) => /^backend failed/.test(l));
    expect(summary.slice(start, start + 6)).toEqual([
      `backend failed: Service (AWS::ECS::Service): Resource handler returned message: "Service did not stabilize"`,
      "  stack     update failed (UPDATE_ROLLBACK_COMPLETE)",
      expect.stringMatching(/^  evidence  ECS service alert-engine-backend-dev in alert-engine-cluster-dev: \d+\/1 tasks running$/),
      // The template's container is mcp-server: ECS names it in the stopped task.
      expect.stringMatching(/^            \d+ stopped tasks?: Essential container in task exited; mcp-server: exit code 1/),
      expect.stringMatching(/^            target 10\.0\.16\.10:8000 unhealthy — Target\.ResponseCodeMismatch/),
      expect.anything(),
    ]);
    expect(summary.at(-1 - summary.slice().reverse().findIndex((l) => /^  next/.test(l)))).toBe(
      `  next      npm run orchestrate -- logs dev --since 1h --config ${config}`,
    );
    // The stopped task's hint names the same command, as it can be pasted.
    expect(summary.join("\n")).toContain(`(the server exited: read its logs with npm run orchestrate -- logs dev --since 1h --config ${config})`);
    // Printed once: neither the live lines nor the stack table repeat the evidence or the cause.
    const all = cli.output();
    // The render rule for a cause ECS shows before CloudFormation gives up: CI lines (these) are a log read later,
    // so the crash is told once as it happens ("while deploying: …", with its time) and once in the summary, never
    // more (a crash loop's next tasks are not news). On a terminal the live view shows it in the stack's line and
    // clears its frame at the end, so a person reads it once on screen, in the summary (live-view.test.ts).
    const crashLines = all.split("\n").filter((l) => /exit code 1/.test(l));
    expect(crashLines.filter((l) => / backend +while deploying: /.test(l))).toHaveLength(1);
    expect(crashLines.filter((l) => !/while deploying: /.test(l))).toHaveLength(1);
    expect(crashLines).toHaveLength(2);
    expect(all.match(/Service \(AWS::ECS::Service\): Resource handler/g)).toHaveLength(1);
    expect(summary).toContainEqual(expect.stringMatching(/^  backend\s+FAILED after \S+: update failed \(UPDATE_ROLLBACK_COMPLETE\)$/));
  });

  it("on a terminal, a crash ECS showed while deploying is read once: in the summary, the live view's frame cleared", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    expect(await cliHarness(h, writeConfig(h.cloud.account)).run(["deploy", "dev"])).toBe(0);
    vi.restoreAllMocks();

    h.cloud.putImage("alert-engine-dev", "broken");
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "Service", operation: "update", reason: "Resource handler returned message: \"Service did not stabilize\"" });
    h.cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", exitCode: 1 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true); // listr's frames: drawn, then cleared
    expect(await cli.run(["deploy", "dev", "--image-tag", "broken"], { interactive: true })).toBe(1);
    const onScreen = cli.lines.join("\n").split("\n");
    expect(onScreen.filter((l) => /exit code 1/.test(l))).toEqual([expect.stringMatching(/^ {12}\d+ stopped tasks?: Essential container in task exited; mcp-server: exit code 1/)]);
  });

  it("a stack failing outside ECS names its resource and reason, with no logs command", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.failResource({ stack: "alert-engine-auth-dev", logicalId: "UserPool", reason: "Invalid email configuration" });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(1);
    const summary = summaryOf(cli);
    expect(summary).toContain("auth failed: UserPool (AWS::Cognito::UserPool): Invalid email configuration");
    expect(summary).toContainEqual(expect.stringMatching(/^  backend\s+skipped: not started: auth did not complete$/));
    expect(cli.output()).not.toMatch(/aws logs tail|orchestrate -- logs/);
    expect(cli.output().match(/UserPool \(AWS::Cognito::UserPool\): Invalid email/g)).toHaveLength(1);
  });
});

describe("--progress in CI and pipes", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("errors-only prints only what went wrong as it happens, then the same summary", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.failResource({ stack: "alert-engine-auth-dev", logicalId: "UserPool", reason: "Invalid email configuration" });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--progress", "errors-only"])).toBe(1);
    const live = cli.lines.join("\n").split("\n").filter((l) => /^\d{4}-\d\d-\d\dT/.test(l));
    expect(live.length).toBeGreaterThan(0);
    for (const line of live) expect(line).toMatch(/^\S+Z auth\s+(CREATE_FAILED|FAILED after)/);
    expect(live).toContainEqual(expect.stringMatching(/auth\s+CREATE_FAILED\s+UserPool \(AWS::Cognito::UserPool\) Invalid email configuration/));
    expect(summaryOf(cli)[0]).toMatch(/^dev: FAILED after/);
  });

  it("events (the default) prints every event; anything else is refused before any AWS call", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(cli.output()).toMatch(/^\S+Z network\s+CREATE_COMPLETE\s+Vpc \(AWS::EC2::VPC\)$/m);

    const calls = h.cloud.calls.length;
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    expect(await cli.run(["deploy", "dev", "--progress", "quiet"])).toBe(2);
    expect(stderr.join("")).toMatch(/--progress.*Allowed choices are events, errors-only/);
    expect(h.cloud.calls.length).toBe(calls);
  });
});

describe("prod on a terminal", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("gets the live view, not a wall of lines: each question follows a still picture of the paused view", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const drawn: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (drawn.push(String(chunk)), true));
    const questions: number[] = [];
    const ask = async () => (questions.push(cli.lines.length), "y");
    expect(await cli.run(["deploy", "prod", "--require-approval", "any-change"], { interactive: true, ask })).toBe(0);

    const text = cli.lines.join("\n");
    expect(text).not.toMatch(/^\d{4}-\d\d-\d\dT\S+Z /m);
    expect(questions.length).toBeGreaterThanOrEqual(5);
    for (const at of questions) {
      const before = cli.lines.slice(0, at).join("\n").split("\n");
      const lastIndex = (pattern: RegExp) => before.length - 1 - [...before].reverse().findIndex((l) => pattern.test(l));
      const table = lastIndex(/: \d+ changes in /);
      const picture = lastIndex(/^total\s+\S+\s+\d\/6 done$/);
      expect(picture).toBeGreaterThanOrEqual(0);
      expect(picture).toBeLessThan(table);
    }
    // listr drew the view between the questions.
    expect(drawn.join("")).toMatch(/total\s+\S+\s+\d\/6 done/);
  });
});
