/**
 * `deploy --express`: CloudFormation's express mode is for environments whose data can be rebuilt. Refused
 * (exit 2) before anything in AWS changes where the environment retains data, and with a reviewed deploy.
 */
import { UserInputError } from "../errors.js";

export interface ExpressRequest {
  readonly express?: boolean;
  readonly changeset?: string;
}

/** A command as the user pastes it: the script, and this run's --config, --region, --profile… (invocation.ts). */
type CommandText = (words: string) => string;

/** Refusals that need no AWS read: made first, before preflight or a build. */
export function refuseExpressCombination(envName: string, options: ExpressRequest, command: CommandText): void {
  if (!options.express || !options.changeset) return;
  throw new UserInputError(
    `--express and --changeset cannot be combined: --changeset executes the change sets a review made in the standard mode, --express makes new ones in express mode. Run '${command(`deploy ${envName} --changeset ${options.changeset}`)}' without --express, or '${command(`deploy ${envName} --express`)}' alone.`,
  );
}

/**
 * `retainsData` is protection-guard's judgment (prod by its defaults, or any environment whose deployed stacks
 * protect something today): express completes stacks before their resources are ready and disables rollback,
 * which such an environment must not risk.
 */
export function refuseExpressWhereDataIsRetained(envName: string, options: ExpressRequest, retainsData: boolean, command: CommandText): void {
  if (!options.express || !retainsData) return;
  throw new UserInputError(
    `--express is refused for ${envName}: it retains data, and express mode completes stacks before their resources are ready and disables rollback, so a failure would leave the environment half-changed. Production changes go through the standard mode (and review): run '${command(`deploy ${envName}`)}' without --express. Nothing was changed.`,
  );
}

/** Said at the start of an express deploy, before any stack changes. */
export function expressNotice(): string {
  return (
    "express mode: CloudFormation completes each stack once its resources are configured, and rollback is disabled " +
    "(a failed stack stays CREATE_FAILED / UPDATE_FAILED with what succeeded kept; run the deploy again to retry it). " +
    "The deploy itself is done only when the service's rollout has completed and its targets are healthy."
  );
}
