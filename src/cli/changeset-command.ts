/** `orchestrate changeset <env>`: its options. The work is loaded on use, so `synth` never loads the AWS SDK. */
import type { Command } from "commander";
import { envArgument } from "./exit.js";
import type { SessionOptions, SessionOverrides } from "./session.js";

export interface ChangesetOptions extends SessionOptions {
  /** true: every reviewed change set; a string: only that review's. */
  discard?: true | string;
  markdown?: string;
  imageTag?: string;
}

export function registerChangeset(program: Command, overrides?: SessionOverrides): void {
  program
    .command("changeset")
    .description("create and show the change sets a deploy would execute, in dependency order; executes nothing")
    .addArgument(envArgument())
    .option("--image-tag <tag>", "image tag the deploy would use (default: the environment's imageTag)")
    .option("--discard [name]", "delete the change sets earlier reviews kept (only review NAME's, when given)")
    .option("--markdown <file>", "also write the review as Markdown (e.g. for a pull request comment)")
    .option("--json", "print the review as one JSON document")
    .option("--profile <name>", "AWS profile")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (LocalStack or another emulator)")
    .action(async (envName: string, _opts: ChangesetOptions, command: Command) => {
      const { runChangeset } = await import("./changeset-run.js");
      process.exitCode = await runChangeset(envName, command.optsWithGlobals<ChangesetOptions>(), overrides);
    });
}
