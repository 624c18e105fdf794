import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/program.js";

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string; bin?: Record<string, string> };

describe("orchestrate --version", () => {
  let stdout: string[];

  beforeEach(() => {
    stdout = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([["--version"], ["-V"]])("%s prints package.json's version and exits 0", async (flag) => {
    expect(await main([flag])).toBe(0);
    expect(stdout.join("").trim()).toBe(packageJson.version);
  });

  it("is offered in --help", async () => {
    expect(await main(["--help"])).toBe(0);
    expect(stdout.join("")).toMatch(/-V, --version\s+output the version number/);
  });
});
