/**
 * The CLI's commands run against the fake cloud: `main(argv, overrides)` with the fake's clients and
 * clock, no terminal, log lines and console output captured, answers to questions scripted.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { main } from "../../src/cli/program.js";
import type { SessionOverrides } from "../../src/cli/session.js";
import { loadEnvironment } from "../../src/env/load.js";
import type { Environment } from "../../src/env/model.js";
import { deployHarness, FAST_RETRY, freshHarnessEachTest, type Harness } from "./deploy-harness.js";

type Overrides = Partial<Record<"dev" | "stage" | "prod", Record<string, string | number | boolean>>>;

/** A config file the fake cloud accepts (its account, a well-formed secret), plus per-environment overrides. */
export function writeConfig(account: string, overrides: Overrides = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), "orchestrate-cli-")), "orchestrate.config.yaml");
  const block = (name: "dev" | "stage" | "prod") =>
    [
      `${name}:`,
      `  account: "${account}"`,
      `  secretsArn: arn:aws:secretsmanager:us-east-2:${account}:secret:alert-engine/${name}-AbCdEf`,
      ...Object.entries(overrides[name] ?? {}).map(([key, value]) => `  ${key}: ${typeof value === "string" ? JSON.stringify(value) : value}`),
    ].join("\n");
  writeFileSync(file, `${(["dev", "stage", "prod"] as const).map(block).join("\n")}\n`);
  return file;
}

export const environmentFrom = (file: string, name: string): Environment => loadEnvironment(name, { configFile: file, vars: {} });

export interface Cli {
  /** Log lines, console.log and console.error output, in order. */
  readonly lines: string[];
  /** Answers `ask` gives, in order; an empty answer once they run out. */
  readonly answers: string[];
  readonly questions: string[];
  run(argv: string[], overrides?: SessionOverrides): Promise<number>;
  /** Everything every run so far printed, in order. */
  output(): string;
  /** Only what the latest run printed: an assertion on it cannot pass on an earlier run's output. */
  lastOutput(): string;
}

export function cliHarness(h: Harness, configFile: string): Cli {
  const lines: string[] = [];
  const answers: string[] = [];
  const questions: string[] = [];
  let runStart = 0;
  vi.spyOn(console, "log").mockImplementation((...args) => void lines.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...args) => void lines.push(args.join(" ")));
  return {
    lines,
    answers,
    questions,
    run: (argv, overrides = {}) => {
      runStart = lines.length;
      return main([...argv, "--config", configFile], {
        clients: h.clients,
        clock: h.cloud.clock,
        retry: FAST_RETRY,
        interactive: false,
        log: (line) => lines.push(line),
        ask: async (question) => {
          questions.push(question);
          return answers.shift() ?? "";
        },
        signal: new AbortController().signal,
        ...overrides,
      });
    },
    output: () => lines.join("\n"),
    lastOutput: () => lines.slice(runStart).join("\n"),
  };
}

/** One test's world: a fresh fake cloud, a config file for its account, and a CLI on both. */
export interface CliWorld {
  readonly h: Harness;
  readonly config: string;
  readonly cli: Cli;
}

/**
 * Per test: a fresh world handed to `use` (which keeps what it needs), and everything put back afterwards: the
 * fake's mocks, spies, the exit code. `harness` makes the fake cloud when a file needs other latencies.
 */
export function freshCliEachTest(use: (world: CliWorld) => void, harness: () => Harness = () => deployHarness()): void {
  freshHarnessEachTest((h) => {
    const config = writeConfig(h.cloud.account);
    use({ h, config, cli: cliHarness(h, config) });
  }, harness);
}
