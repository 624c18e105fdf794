/** `orchestrate deploy <env>`: its options; the work is in deploy-run.ts. */
import { Option, type Command } from "commander";
import { APPROVAL_LEVELS } from "../orchestrator/review/approval.js";
import { awsCommand, durationMs, positiveInt, PROGRESS_LINES, runOnUse } from "./command.js";
import type { DeployOptions } from "./deploy-options.js";
import type { SessionOverrides } from "./session.js";
import { NODE_IDS, splitStackList } from "./stack-selection.js";

export function registerDeploy(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "deploy", "deploy an environment's stacks in dependency order through change sets", (command) =>
    command
      .option("--stacks <list>", `only these (comma-separated: ${NODE_IDS.join(",")}, or stack names such as alert-engine-backend-dev); upstream values are read from AWS`, splitStackList)
      .option("--concurrency <n>", "at most n stacks at once (default: all that are ready)", positiveInt)
      .addOption(new Option("--require-approval <level>", "ask before executing change sets (default: broadening in prod, never elsewhere)").choices(APPROVAL_LEVELS))
      .option("--yes", "approve every change set without asking")
      .option("--allow-protection-lowering", "allow a deploy that lowers the protection of data the environment retains (Retain → Delete, deletion or termination protection off, versioning suspended, shorter log retention); --yes does not imply it, and it is still shown for approval")
      .option("--changeset <name>", "execute only the change sets review NAME (orchestrate changeset) kept, with the image it recorded; refuses before any change when a stack would change without a current one")
      .option("--revert-drift", "use drift-aware change sets: also put resources changed outside CloudFormation back to the template (shown for approval like any change); not with --changeset")
      .option("--hotswap", "when only the backend's image and plain container variables differ, skip CloudFormation: register a new task definition revision and follow the ECS rollout to its end (not in prod; anything else that differs is refused before any change)")
      .option("--hotswap-fallback", "like --hotswap, but deploy what cannot be hotswapped through change sets")
      .option("--rollout-timeout <duration>", "how long --hotswap or --express waits for the ECS rollout to complete (e.g. 90s, 10m)", durationMs, 10 * 60_000)
      .option("--express", "CloudFormation's express mode: stacks complete once configured, rollback disabled (a re-run retries what failed); the deploy still ends only when the service's rollout completed. Not where data is retained (prod), not with --changeset")
      .option("--continue-rollback", "run ContinueUpdateRollback on stacks in UPDATE_ROLLBACK_FAILED before deploying")
      .option("--image-tag <tag>", "image tag to deploy (default: the environment's imageTag, or the git short sha with --build)")
      .option("--build <dir>", "docker build and push DIR to the environment's ECR repository first")
      .option("--cert-timeout <minutes>", "how long to wait for the certificate's DNS validation", positiveInt, 45)
      .option("--outputs-file <file>", "write every deployed stack's outputs as JSON")
      .option("--template-bucket <bucket>", "S3 bucket for templates over CloudFormation's 51,200-byte body limit")
      .addOption(
        new Option("--progress <lines>", "without a terminal (CI, pipes): every event as a timestamped line, or only what went wrong; a terminal gets the live view")
          .choices(PROGRESS_LINES)
          .default("events"),
      )
      .option("--json", "print one machine-readable summary at the end"),
  ).action(runOnUse<DeployOptions>(async () => (await import("./deploy-run.js")).runDeploy, overrides));
}
