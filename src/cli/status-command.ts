/** `orchestrate status <env>`: its options. The work is loaded on use, so `synth` never loads the AWS SDK. */
import type { Command } from "commander";
import { envArgument } from "./exit.js";
import type { SessionOptions, SessionOverrides } from "./session.js";

export interface StatusOptions extends SessionOptions {
  drift?: boolean;
}

export function registerStatus(program: Command, overrides?: SessionOverrides): void {
  program
    .command("status")
    .description("each stack's state and last update, the certificate and the API URL")
    .addArgument(envArgument())
    .option("--drift", "also detect drift between each stack's template and its resources (takes a minute)")
    .option("--json", "print one JSON document")
    .option("--profile <name>", "AWS profile")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (LocalStack or another emulator)")
    .action(async (envName: string, _opts: StatusOptions, command: Command) => {
      const { runStatus } = await import("./status-run.js");
      process.exitCode = await runStatus(envName, command.optsWithGlobals<StatusOptions>(), overrides);
    });
}
