/**
 * Files a command will write are checked before the first AWS call; a write that still fails at the end
 * (the disk filled, the directory went away) does not swallow the summary or the truth about the run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

let h: Harness;
afterEach(() => {
  h.cloud.restore();
  vi.restoreAllMocks();
});

const scratch = () => mkdtempSync(join(tmpdir(), "output-paths-"));

/** Paths no file can be written at, each with what the message must say about it. */
function unwritable(): [string, string, RegExp][] {
  const dir = scratch();
  const plainFile = join(dir, "a-file");
  writeFileSync(plainFile, "");
  return [
    ["a missing directory", join(dir, "missing", "out"), /directory .*missing does not exist/],
    ["a file where a directory should be", join(plainFile, "out"), /a-file is not a directory/],
    ["an existing directory", dir, /is a directory/],
  ];
}

describe("output paths are checked before anything in AWS (exit 2)", () => {
  // --outputs-file creates missing directories (mkdir -p); a missing one is only a problem for --markdown.
  it.each(unwritable().slice(1))("deploy --outputs-file into %s", async (_, path, why) => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--outputs-file", path])).toBe(2);
    expect(cli.output()).toContain(`--outputs-file ${path}`);
    expect(cli.output()).toMatch(why);
    expect(h.cloud.calls).toEqual([]);
  });

  it.each(unwritable())("changeset --markdown into %s", async (_, path, why) => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["changeset", "dev", "--markdown", path])).toBe(2);
    expect(cli.output()).toContain(`--markdown ${path}`);
    expect(cli.output()).toMatch(why);
    expect(h.cloud.calls).toEqual([]);
  });
});

describe("a write that fails at the end", () => {
  /**
   * Puts a file where `dir` was as soon as the run starts its stacks: the check passed, but neither the
   * write nor its mkdir -p can succeed now.
   */
  const vanishing = (lines: string[], dir: string) => (line: string) => {
    lines.push(line);
    if (/network\s+started/.test(line) && existsSync(dir)) {
      rmSync(dir, { recursive: true });
      writeFileSync(dir, "");
    }
  };

  it("deploy: the summary is still printed, the failed write is named, and the exit code says the command did not do all it was asked (1)", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const dir = scratch();
    const file = join(dir, "outputs.json");
    expect(await cli.run(["deploy", "dev", "--outputs-file", file], { log: vanishing(cli.lines, dir) })).toBe(1);
    const out = cli.output();
    expect(out).toMatch(/^  API\s+https:\/\/api\.dev-alert-engine\.totogicore\.com$/m);
    expect(out).toMatch(new RegExp(`could not write --outputs-file ${file}: .*(EEXIST|ENOTDIR)`));
    expect(out).toMatch(/the deploy itself succeeded/);
    for (const id of ["network", "storage", "auth", "backend", "domain"]) expect(h.cloud.stack(`alert-engine-${id}-dev`)?.status).toBe("CREATE_COMPLETE");
  });

  it("deploy --json: stdout is still one JSON document, and it records the failed write", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const stdout: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void stdout.push(args.join(" ")));
    const dir = scratch();
    const file = join(dir, "outputs.json");
    expect(await cli.run(["deploy", "dev", "--json", "--outputs-file", file], { log: vanishing(cli.lines, dir) })).toBe(1);
    const summary = JSON.parse(stdout.join("\n"));
    expect(summary).toMatchObject({ environment: "dev", ok: true, outputsFile: { path: file, written: false } });
    expect(summary.outputsFile.error).toMatch(/EEXIST|ENOTDIR/);
  });

  it("changeset: the review is still printed and the kept change sets named; exit 1", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { logRetentionDays: 14 } }));
    const dir = scratch();
    const file = join(dir, "review.md");
    const log = (line: string) => {
      cli.lines.push(line);
      if (/^network/.test(line) && existsSync(dir)) rmSync(dir, { recursive: true });
    };
    expect(await cli.run(["changeset", "dev", "--markdown", file], { log })).toBe(1);
    expect(cli.output()).toMatch(new RegExp(`could not write --markdown ${file}: .*ENOENT`));
    expect(cli.output()).toMatch(/deploy dev --changeset review-/);
    expect(existsSync(file)).toBe(false);
  });

  it("a good path is written as before", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const file = join(scratch(), "outputs.json");
    expect(await cli.run(["deploy", "dev", "--outputs-file", file])).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).outputs.network.VpcId).toMatch(/^vpc-/);
  });
});
