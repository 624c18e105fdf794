/** `orchestrate teardown <env>`: its options; the work is in teardown-run.ts. */
import type { Command } from "commander";
import { awsCommand, positiveInt, runOnUse } from "./command.js";
import type { SessionOverrides } from "./session.js";
import type { TeardownOptions } from "./teardown-run.js";

export function registerTeardown(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "teardown", "delete an environment's stacks in reverse dependency order, keeping what is retained", (command) =>
    command
      .option("--yes", "do not ask for confirmation (not enough for prod)")
      .option("--force", "required to tear down prod, together with the environment name typed back or --confirm prod")
      .option("--confirm <env>", "the environment name, for CI where nobody can type it back")
      .option("--include-repository", "also delete the ECR repository and its images")
      .option("--concurrency <n>", "at most n stacks at once (default: all that are ready)", positiveInt)
      .option("--json", "print one machine-readable summary at the end"),
  ).action(runOnUse<TeardownOptions>(async () => (await import("./teardown-run.js")).runTeardown, overrides));
}
