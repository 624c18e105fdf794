/**
 * `orchestrate --version` and `orchestrate --help` are answered by bin/orchestrate.mjs without loading the
 * CLI bundle (start-up goal ≤ 0.15 s). What it prints must be exactly what the program itself prints: the
 * real bin is run as a person runs it, and its output compared with the program's own.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { helpAnswer, helpFor, versionAnswer } from "../bin/quick-answers.mjs";
import { helpText, main } from "../src/cli/program.js";

const root = join(import.meta.dirname, "..");

/** The installed command as a person runs it (stdout a pipe: commander wraps help at 80 columns). */
function orchestrate(...argv: string[]) {
  const run = spawnSync(process.execPath, [join(root, "bin", "orchestrate.mjs"), ...argv], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What the program itself prints on stdout for argv, with stdout not a terminal. */
async function programsOwn(argv: string[]): Promise<{ code: number; stdout: string }> {
  const written: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
  const tty = Object.getOwnPropertyDescriptor(process.stdout, "isTTY");
  Object.defineProperty(process.stdout, "isTTY", { value: false, configurable: true });
  try {
    return { code: await main(argv), stdout: written.join("") };
  } finally {
    if (tty) Object.defineProperty(process.stdout, "isTTY", tty);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
    vi.restoreAllMocks();
  }
}

describe("bin/orchestrate.mjs answers --version and --help as the program does", () => {
  // The first run rebuilds dist/ when src/ is newer (a developer's checkout): not part of what is compared.
  beforeAll(() => void orchestrate("--help"), 60_000);
  afterEach(() => vi.restoreAllMocks());

  it.each([["--version"], ["--help"]])("%s: the same stdout and exit code as the program's own", async (flag) => {
    const own = await programsOwn([flag]);
    const bin = orchestrate(flag);
    expect(bin.stderr).toBe("");
    expect(bin.stdout).toBe(own.stdout);
    expect(bin.code).toBe(own.code);
    expect(own.code).toBe(0);
  });

  it("answers them without loading the program (anything else goes to it)", () => {
    const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
    expect(versionAnswer(["--version"], root)).toBe(`${version}\n`);
    expect(versionAnswer(["-V"], root)).toBe(`${version}\n`);
    expect(helpAnswer(["-h"], { isTTY: false }, root)).toBe(helpText(80));
    for (const argv of [["deploy", "--version"], ["--version", "--verbose"], ["deploy", "--help"], ["--help", "--verbose"], []]) {
      expect(versionAnswer(argv, root)).toBeUndefined();
      expect(helpAnswer(argv, { isTTY: false }, root)).toBeUndefined();
    }
  });

  it("lists the program's own files as the help's sources, and leaves help older than one of them to the program (which rebuilds)", () => {
    const stored = JSON.parse(readFileSync(join(root, "dist", "help.json"), "utf8")) as { sources: string[] };
    expect(stored.sources).toEqual(expect.arrayContaining(["package.json", "scripts/build.mjs", "src/cli/program.ts", "src/cli/deploy-command.ts", "src/env/model.ts"]));
    expect(stored.sources.filter((source) => /-run\.ts$/.test(source))).toEqual([]); // the commands' work is not part of --help

    const copy = mkdtempSync(join(tmpdir(), "quick-help-"));
    mkdirSync(join(copy, "dist"));
    mkdirSync(join(copy, "src"));
    writeFileSync(join(copy, "dist", "help.json"), JSON.stringify({ ...stored, sources: ["src/program.ts"] }));
    writeFileSync(join(copy, "src", "program.ts"), "// edited after the build");
    const built = new Date("2026-01-01T00:00:00Z");
    utimesSync(join(copy, "dist", "help.json"), built, built);
    utimesSync(join(copy, "src", "program.ts"), new Date(built.getTime() - 1_000), new Date(built.getTime() - 1_000));
    expect(helpAnswer(["--help"], { isTTY: false }, copy)).toBe(helpText(80));
    utimesSync(join(copy, "src", "program.ts"), new Date(built.getTime() + 1_000), new Date(built.getTime() + 1_000));
    expect(helpAnswer(["--help"], { isTTY: false }, copy)).toBeUndefined();
    writeFileSync(join(copy, "dist", "help.json"), JSON.stringify({ ...stored, sources: ["src/gone.ts"] }));
    expect(helpAnswer(["--help"], { isTTY: false }, copy)).toBeUndefined();
  });

  it("on a terminal, prints the help commander would wrap for its width, or leaves it to the program", () => {
    const stored = JSON.parse(readFileSync(join(root, "dist", "help.json"), "utf8"));
    const widest = Math.max(...helpText(10_000).split("\n").map((line) => line.length));
    let answered = 0;
    for (const columns of [40, 60, 79, 80, 81, 100, widest - 1, widest, widest + 1, 250]) {
      const quick = helpFor({ isTTY: true, columns }, stored);
      if (quick !== undefined) answered += 1;
      expect(quick ?? helpText(columns)).toBe(helpText(columns));
    }
    expect(helpFor({ isTTY: true, columns: 80 }, stored)).toBeDefined();
    expect(helpFor({ isTTY: true, columns: 250 }, stored)).toBeDefined();
    expect(helpFor({ isTTY: undefined, columns: undefined }, stored)).toBe(helpText(80));
    expect(answered).toBeGreaterThanOrEqual(4);
  });
});
