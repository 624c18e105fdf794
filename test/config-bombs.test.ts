/**
 * A config file is input from anyone who can open a pull request: however it is built, it is refused or
 * accepted quickly, its messages stay short, and only the model's own field names count as fields.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/program.js";

let stderr: string[];
let dir: string;
beforeEach(() => {
  stderr = [];
  dir = mkdtempSync(join(tmpdir(), "config-bombs-"));
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation((...args) => void stderr.push(args.join(" ")));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** `synth dev` with this config: no AWS involved, so the loader alone decides. */
async function synthWith(yaml: string): Promise<number> {
  const file = join(dir, "orchestrate.config.yaml");
  writeFileSync(file, yaml);
  return main(["synth", "dev", "--config", file, "--out", join(dir, "out")]);
}

/** The "billion laughs": each level lists the one before nine times; 1 KB of YAML, 9^levels values. */
function aliasBomb(levels: number, field: string): string {
  const names = "abcdefghijklmnopqrstuvwxyz".slice(0, levels).split("");
  const lines = [`${names[0]}: &${names[0]} ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(", ")}]`);
  return `${lines.join("\n")}\ndev:\n  ${field}: *${names.at(-1)}\n`;
}

describe("config bombs", () => {
  it.each([["cpu"], ["availabilityZones"]])("a YAML alias bomb under dev.%s is refused (exit 2) with a short message", async (field) => {
    const yaml = aliasBomb(10, field);
    expect(yaml.length).toBeLessThan(1_024);
    expect(await synthWith(yaml)).toBe(2);
    const message = stderr.join("\n");
    expect(message).toMatch(/expands to more than [\d,]+ values/);
    expect(message.length).toBeLessThan(2_000);
  });

  it("a long value of the wrong kind is quoted as a bounded preview, never whole", async () => {
    expect(await synthWith(`dev:\n  cpu: "${"x".repeat(100_000)}"\n`)).toBe(2);
    const message = stderr.join("\n");
    expect(message).toMatch(/dev\.cpu: expected a number, got "x{10,}…" \(100000 characters\)/);
    expect(message.length).toBeLessThan(1_000);
  });

  it("long values of the right kind but not valid are quoted as bounded previews too", async () => {
    const long = "x".repeat(50_000);
    expect(await synthWith(`dev:\n  imageTag: "${long}"\n  availabilityZones: ["${long}", "${long}"]\n`)).toBe(2);
    const message = stderr.join("\n");
    expect(message).toMatch(/dev\.imageTag "x{10,}…" \(50000 characters\) is not a valid Docker tag/);
    expect(message).toMatch(/dev\.availabilityZones \["x{10,}…" \(50000 characters\), "x{10,}…" \(50000 characters\)\]: expected 2 different zones/);
    expect(message.length).toBeLessThan(2_000);
  });

  it("a file far larger than any config is refused before it is parsed", async () => {
    expect(await synthWith(`# ${"padding ".repeat(200_000)}\ndev:\n  cpu: 512\n`)).toBe(2);
    expect(stderr.join("\n")).toMatch(/Cannot read config file .*: it is \d+ bytes; a config file is a few KB/);
  });

  it("a mapping where a value should be is described, not dumped", async () => {
    expect(await synthWith(`dev:\n  cpu:\n    nested: { deeper: [1, 2, 3] }\n`)).toBe(2);
    expect(stderr.join("\n")).toMatch(/dev\.cpu: expected a number, got a mapping \{nested: …\}/);
  });
});

describe("only the model's own field names are fields", () => {
  it.each([["__proto__"], ["constructor"], ["toString"], ["hasOwnProperty"]])("dev.%s is an unknown key", async (key) => {
    expect(await synthWith(`dev:\n  ${key}: 1\n`)).toBe(2);
    expect(stderr.join("\n")).toContain(`dev.${key}: unknown key; allowed keys are account, region`);
  });

  it("__proto__ as an environment is an unknown environment", async () => {
    expect(await synthWith(`__proto__:\n  cpu: 512\n`)).toBe(2);
    expect(stderr.join("\n")).toContain(`unknown environment "__proto__"`);
  });
});
