/** `orchestrate teardown <env>`: its options. The work is loaded on use, so `synth` never loads the AWS SDK. */
import type { Command } from "commander";
import { positiveInt } from "./deploy-command.js";
import { envArgument } from "./exit.js";
import type { SessionOptions, SessionOverrides } from "./session.js";

export interface TeardownOptions extends SessionOptions {
  yes?: boolean;
  force?: boolean;
  confirm?: string;
  includeRepository?: boolean;
  concurrency?: number;
}

export function registerTeardown(program: Command, overrides?: SessionOverrides): void {
  program
    .command("teardown")
    .description("delete an environment's stacks in reverse dependency order, keeping what is retained")
    .addArgument(envArgument())
    .option("--yes", "do not ask for confirmation (not enough for prod)")
    .option("--force", "required to tear down prod, together with the environment name typed back or --confirm prod")
    .option("--confirm <env>", "the environment name, for CI where nobody can type it back")
    .option("--include-repository", "also delete the ECR repository and its images")
    .option("--concurrency <n>", "at most n stacks at once (default: all that are ready)", positiveInt)
    .option("--json", "print one machine-readable summary at the end")
    .option("--profile <name>", "AWS profile")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (LocalStack or another emulator)")
    .action(async (envName: string, _opts: TeardownOptions, command: Command) => {
      const { runTeardown } = await import("./teardown-run.js");
      process.exitCode = await runTeardown(envName, command.optsWithGlobals<TeardownOptions>(), overrides);
    });
}
