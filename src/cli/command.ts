/** What every command shares: exit codes, the `<env>` argument, the AWS options, loading the work on use. */
import { Argument, InvalidArgumentError, type Command } from "commander";
import type { LoadOptions } from "../env/load.js";
import { ENVIRONMENT_NAMES } from "../env/model.js";
import { parseDuration } from "../duration.js";
import type { SessionOverrides } from "./session.js";

/** 0 done, 1 failed, 2 usage or input error, 130 interrupted. */
/** gated: `changeset --fail-on` found what it gates on (the review itself succeeded). */
export const EXIT = { ok: 0, failed: 1, usage: 2, gated: 3, interrupted: 130 } as const;

/** `--progress`: in CI and pipes, every event as a timestamped line, or only what went wrong. (Here, not in session.ts: --help must not load the SDK.) */
export const PROGRESS_LINES = ["events", "errors-only"] as const;
export type ProgressLines = (typeof PROGRESS_LINES)[number];

/** The program's own options, which every command sees through optsWithGlobals. */
export interface GlobalOptions {
  config?: string;
  region?: string;
  verbose?: boolean;
}

/** --config, --region and --profile (when the command has it), as the environment loader takes them. */
export function loadOptions(options: GlobalOptions & { profile?: string }): LoadOptions {
  return { configFile: options.config, region: options.region, profile: options.profile };
}

/**
 * No commander `.choices()`: the config may declare environments beyond the shipped ones, and only the
 * loader knows them; it refuses an unknown name with a suggestion (`dve` → dev) before anything happens.
 */
export const ENV_ARGUMENT_HELP = `environment: ${ENVIRONMENT_NAMES.join(", ")}, or one the config declares (qa: { extends: dev })`;
const envArgument = () => new Argument("<env>", ENV_ARGUMENT_HELP);

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number >= 1");
  return n;
}

/** A duration flag (`--rollout-timeout 10m`) as milliseconds. */
export function durationMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError("expected a duration such as 90s, 10m, 1h or 1m30s");
  return ms;
}

/**
 * --endpoint-url: an absolute http(s) URL with a host. Anything else would only fail at the first call, as a
 * DNS or protocol error far from the flag that caused it ("localhost:4566" parses as a URL of scheme "localhost:").
 */
export function endpointUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["http:", "https:"].includes(url.protocol) || !url.hostname) {
    throw new InvalidArgumentError("expected an http:// or https:// URL such as http://localhost:4566 (LocalStack's default)");
  }
  return value;
}

/** A command that talks to AWS about one environment: `<env>`, then its own options, then --profile and --endpoint-url. */
export function awsCommand(program: Command, name: string, description: string, own: (command: Command) => Command): Command {
  return own(program.command(name).description(description).addArgument(envArgument()))
    .option("--profile <name>", "AWS profile")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (LocalStack or another emulator)", endpointUrl);
}

type Run<O> = (envName: string, options: O, overrides?: SessionOverrides) => Promise<number>;

/** The command's work is imported only when it runs, so `synth` and `--help` never load the AWS SDK. */
export function runOnUse<O>(load: () => Promise<Run<O>>, overrides?: SessionOverrides) {
  return async (envName: string, _options: O, command: Command) => {
    const run = await load();
    process.exitCode = await run(envName, command.optsWithGlobals<O & object>(), overrides);
  };
}
