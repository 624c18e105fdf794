import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/program.js";

describe("orchestrate CLI", () => {
  let stdout: string[];
  let stderr: string[];
  let cwd: string;

  beforeEach(() => {
    stdout = [];
    stderr = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void stdout.push(args.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...args) => void stderr.push(args.join(" ")));
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    cwd = mkdtempSync(join(tmpdir(), "cli-"));
    vi.spyOn(process, "cwd").mockReturnValue(cwd);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it("synthesizes one environment into --out and summarizes it", async () => {
    const out = join(cwd, "out");
    expect(await main(["synth", "dev", "--out", out])).toBe(0);
    expect(readdirSync(join(out, "dev")).sort()).toEqual(["auth.json", "backend.json", "domain.json", "network.json", "storage.json"]);
    const summary = stdout.join("\n");
    expect(summary).toContain("alert-engine-network-dev");
    expect(summary).toContain("deploy order: 1. certificate + network + storage + auth  2. backend  3. domain");
    expect(summary).toMatch(/domain .*\n\s+consumes context\(HostedZoneId\) backend\(LoadBalancerDnsName, LoadBalancerHostedZoneId\)/);
  });

  it("exits 2 listing the valid environments for an unknown one, and how to declare it", async () => {
    expect(await main(["synth", "qa"])).toBe(2);
    expect(stderr.join("\n")).toContain('error: Unknown environment "qa". Valid environments: dev, stage, prod.');
    expect(stderr.join("\n")).toContain(`declare it in ${join(cwd, "orchestrate.config.yaml")}, extending a shipped environment:\n  qa:\n    extends: dev`);
  });

  it("exits 2 listing the valid commands for an unknown command", async () => {
    expect(await main(["launch", "dev"])).toBe(2);
    expect(stderr.join("\n")).toMatch(/^error: Unknown command "launch"\. Valid commands: synth, bootstrap, deploy, changeset, teardown, status(, [a-z-]+)*\.$/m);
  });

  it.each([
    ["deplyo", "deploy"],
    ["stauts", "status"],
    ["chageset", "changeset"],
    ["teardwon", "teardown"],
  ])("exits 2 suggesting the command a typo meant: %s → %s", async (typed, meant) => {
    expect(await main([typed, "dev"])).toBe(2);
    expect(stderr.join("\n")).toMatch(new RegExp(`^error: Unknown command "${typed}"\\. Did you mean "${meant}"\\? Valid commands: synth, bootstrap, deploy, changeset, teardown, status(, [a-z-]+)*\\.$`, "m"));
  });

  it("reports its own run's exit code, not one an earlier run left in the process", async () => {
    process.exitCode = 2; // as a refused command run earlier in the same process (a test file, a script) leaves it
    expect(await main(["synth", "dev", "--out", join(cwd, "out")])).toBe(0);
  });

  it("answers --help on every command with exit 0", async () => {
    for (const argv of [["--help"], ["synth", "--help"], ["deploy", "--help"]]) {
      expect(await main(argv)).toBe(0);
    }
    expect(stdout.join("")).toContain("--require-approval");
  });

  it("exits 2 naming the field when the config file is wrong", async () => {
    writeFileSync(join(cwd, "orchestrate.config.yaml"), "dev:\n  cpu: 300\n  colour: blue\n");
    expect(await main(["synth", "dev", "--out", join(cwd, "out")])).toBe(2);
    expect(stderr.join("")).toMatch(/dev\.colour: unknown key; allowed keys are account, region/);
  });

  it("loads the committed team config, and its commented qa example once uncommented", async () => {
    const team = readFileSync(join(import.meta.dirname, "..", "orchestrate.config.yaml"), "utf8");
    expect(await main(["synth", "prod", "--config", join(import.meta.dirname, "..", "orchestrate.config.yaml"), "--out", join(cwd, "out")])).toBe(0);
    const uncommented = team.replace(/^# (qa:|  (extends|account|secretsArn):)/gm, "$1");
    writeFileSync(join(cwd, "team.yaml"), uncommented);
    expect(await main(["synth", "qa", "--config", join(cwd, "team.yaml"), "--out", join(cwd, "out")])).toBe(0);
    expect(stdout.join("\n")).toContain("qa  (us-east-2, account 444444444444)  api: https://api.qa-alert-engine.totogicore.com");
    expect(readdirSync(join(cwd, "out", "qa"))).toHaveLength(5);
  });
});

describe("Ctrl-C", () => {
  afterEach(() => vi.restoreAllMocks());

  it("once interrupts the run; twice quits at once with 130, giving the terminal its cursor back and its listener removed", async () => {
    const { openSession } = await import("../src/cli/session.js");
    const original = process.stdout.write;
    const tty = Object.getOwnPropertyDescriptor(process.stdout, "isTTY");
    const terminal: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (terminal.push(String(chunk)), true));
    Object.defineProperty(process.stdout, "isTTY", { value: true, configurable: true });
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const before = process.listeners("SIGINT");
    try {
      const session = openSession("dev", {}, { log: () => {} });
      const onSigint = process.listeners("SIGINT").find((l) => !before.includes(l))!;
      // listr2 buffers whatever is written to stdout while it draws, and hides the cursor until it ends.
      const buffered: string[] = [];
      process.stdout.write = ((chunk: unknown) => (buffered.push(String(chunk)), true)) as typeof process.stdout.write;

      onSigint("SIGINT");
      expect(session.signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      onSigint("SIGINT");
      expect(exit).toHaveBeenCalledWith(130);
      expect(terminal.join("")).toContain("\u001B[?25h");

      session.close();
      expect(process.listeners("SIGINT")).not.toContain(onSigint);
    } finally {
      process.stdout.write = original;
      if (tty) Object.defineProperty(process.stdout, "isTTY", tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });
});
