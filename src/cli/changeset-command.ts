/** `orchestrate changeset <env>`: its options; the work is in changeset-run.ts. */
import type { Command } from "commander";
import { UserInputError } from "../errors.js";
import { FAIL_ON_LEVELS, type FailOnLevel } from "../orchestrator/review/review-gate.js";
import { awsCommand, runOnUse } from "./command.js";
import type { SessionOverrides } from "./session.js";
import type { ChangesetOptions } from "./changeset-run.js";
import { NODE_IDS, splitStackList } from "./stack-selection.js";

/** Said here, before any AWS call, in words that name the valid levels. */
function failOnLevel(value: string): FailOnLevel {
  if ((FAIL_ON_LEVELS as readonly string[]).includes(value)) return value as FailOnLevel;
  throw new UserInputError(`--fail-on ${value} is not a level: use broadening (what deploy's approval asks about in prod: widened access, lowered protection, replacements, removals) or any-change.`);
}

export function registerChangeset(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "changeset", "create and show the change sets a deploy would execute, in dependency order; executes nothing", (command) =>
    command
      .option("--image-tag <tag>", "image tag the deploy would use (default: the environment's imageTag)")
      .option("--stacks <list>", `only these (comma-separated: ${NODE_IDS.join(",")}, or stack names such as alert-engine-backend-dev); upstream values are read from AWS`, splitStackList)
      .option("--drift", "detect drift first and mark each change that would overwrite a resource changed outside CloudFormation (takes a minute)")
      .option("--fail-on <level>", "exit 3 when the review holds such changes (broadening | any-change), for gating a pull request; the change sets are kept either way", failOnLevel)
      .option("--discard [name]", "delete the change sets earlier reviews kept (only review NAME's, when given; NAME may also be a killed deploy's unexecuted change sets)")
      .option("--markdown <file>", "also write the review as Markdown (e.g. for a pull request comment)")
      .option("--json", "print the review as one JSON document"),
  ).action(runOnUse<ChangesetOptions>(async () => (await import("./changeset-run.js")).runChangeset, overrides));
}
