/** The command tree; `main` turns every outcome into an exit code. */
import { Argument, Command, CommanderError, Option } from "commander";
// Read at build time by esbuild (inlined into the bundle) and at run time by tsx and vitest: one source of truth.
import packageJson from "../../package.json" with { type: "json" };
import { didYouMean } from "../did-you-mean.js";
import { ENVIRONMENT_NAMES } from "../env/model.js";
import { loadEnvironments } from "../env/load.js";
import { isInterruption, UserInputError } from "../errors.js";
import { registerChangeset } from "./changeset-command.js";
import { registerBootstrap } from "./bootstrap-command.js";
import { registerDeploy } from "./deploy-command.js";
import { describeError } from "../render/errors.js";
import { ENV_ARGUMENT_HELP, EXIT, loadOptions, type GlobalOptions } from "./command.js";
import { registerLogs } from "./logs-command.js";
import type { SessionOverrides } from "./session.js";
import { registerStatus } from "./status-command.js";
import { synthSummary, writeTemplates } from "./synth.js";
import { registerTeardown } from "./teardown-command.js";

function buildProgram(overrides?: SessionOverrides): Command {
  const program = new Command("orchestrate")
    .description("Deploy the Alert Engine MCP server's CloudFormation stacks (network, storage, auth, backend, domain)")
    .addOption(new Option("--config <file>", "per-environment overrides (YAML)").default(undefined, "orchestrate.config.yaml when present"))
    .option("--region <region>", "AWS region (default: config file, then AWS_REGION, then us-east-2)")
    .option("--verbose", "show stack traces and SDK details on errors")
    .version(packageJson.version)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  program
    .command("synth")
    .description("write templates/<env>/<stack>.json for one environment or all, and print a summary")
    .addArgument(new Argument("[env]", ENV_ARGUMENT_HELP))
    .option("--all", `synthesize the shipped environments (${ENVIRONMENT_NAMES.join(", ")}), as templates/ holds them`)
    .option("--out <dir>", "where to write templates", "templates")
    .action((env: string | undefined, opts: { all?: boolean; out: string }, command: Command) => {
      if (!env && !opts.all) throw new UserInputError(`synth needs an environment (${ENVIRONMENT_NAMES.join(", ")}, or one the config declares) or --all.`);
      const names = opts.all ? ENVIRONMENT_NAMES : [env!];
      for (const environment of loadEnvironments(names, loadOptions(command.optsWithGlobals()))) {
        console.log(synthSummary(writeTemplates(environment, opts.out)));
      }
    });

  registerBootstrap(program, overrides);
  registerDeploy(program, overrides);
  registerChangeset(program, overrides);
  registerTeardown(program, overrides);
  registerStatus(program, overrides);
  registerLogs(program, overrides);

  program.on("command:*", (operands: string[]) => {
    const names = program.commands.map((c) => c.name());
    const typed = operands[0] ?? "";
    throw new UserInputError(`Unknown command "${typed}".${didYouMean(typed, names)} Valid commands: ${names.join(", ")}.`);
  });
  return program;
}

/**
 * The top-level `--help` as the program prints it on a terminal `width` columns wide: scripts/build.mjs stores
 * it in dist/help.json, which bin/orchestrate.mjs prints without loading the program.
 */
export function helpText(width: number, colors = false): string {
  return buildProgram().configureOutput({ getOutHelpWidth: () => width, getOutHasColors: () => colors }).helpInformation();
}

export async function main(argv: string[], overrides?: SessionOverrides): Promise<number> {
  const program = buildProgram(overrides);
  // A command's action reports its exit code in process.exitCode (runOnUse): one left by an earlier run in the
  // same process (a test file, a script calling main twice) is not this run's.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    return reportError(error, program.opts<GlobalOptions>().verbose === true);
  }
}

function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message; help and version are successes.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UserInputError) {
    console.error(`error: ${error.message}`);
    return EXIT.usage;
  }
  // Ctrl-C at a prompt or during a wait outside the stack graph (e.g. teardown's question, drift detection).
  if (isInterruption(error)) {
    console.error("interrupted");
    return EXIT.interrupted;
  }
  console.error(`error: ${describeError(error)}`);
  if (verbose && error instanceof Error && error.stack) console.error(error.stack);
  else console.error("(run again with --verbose for details)");
  return EXIT.failed;
}
