/** `orchestrate changeset <env>`: its options; the work is in changeset-run.ts. */
import type { Command } from "commander";
import { awsCommand, runOnUse } from "./command.js";
import type { SessionOptions, SessionOverrides } from "./session.js";

export interface ChangesetOptions extends SessionOptions {
  /** true: every reviewed change set; a string: only that review's. */
  discard?: true | string;
  markdown?: string;
  imageTag?: string;
}

export function registerChangeset(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "changeset", "create and show the change sets a deploy would execute, in dependency order; executes nothing", (command) =>
    command
      .option("--image-tag <tag>", "image tag the deploy would use (default: the environment's imageTag)")
      .option("--discard [name]", "delete the change sets earlier reviews kept (only review NAME's, when given; NAME may also be a killed deploy's unexecuted change sets)")
      .option("--markdown <file>", "also write the review as Markdown (e.g. for a pull request comment)")
      .option("--json", "print the review as one JSON document"),
  ).action(runOnUse<ChangesetOptions>(async () => (await import("./changeset-run.js")).runChangeset, overrides));
}
