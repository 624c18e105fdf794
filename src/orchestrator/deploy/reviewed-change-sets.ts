/**
 * `deploy <env> --changeset NAME`, before anything changes: find review NAME's change sets, take the image and
 * environment values it was made from, and prove that executing exactly those change sets is the whole deploy.
 * Every stack that would change must have a current change set NAME; a stack that does not exist yet, or a
 * certificate that would have to be requested, is refused: a reviewed deploy never makes anything new.
 */
import { isStackMissing, type CloudFormationApi, type DeployedStack } from "../../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../../env/model.js";
import { inputErrors } from "../../errors.js";
import { STACKS, stackDefinition } from "../../templates/index.js";
import { stackTags, synthesize } from "../../templates/stack.js";
import { sameJson } from "../../canonical-json.js";
import type { ReviewCheck } from "./deploy-context.js";
import { matchesDeployed } from "./deployed-differences.js";
import type { NodeId } from "../graph.js";
import { resolveInputs } from "../inputs.js";
import { environmentFingerprint, fingerprintDifferences, parseReviewDescription, reviewStartedAt, type ReviewRecord } from "../review/review-record.js";
import { isEmptyReview, isUpdatable } from "../stack-status.js";

/** Review NAME's change set on one stack, as ListChangeSets shows it. */
interface ReviewedSet {
  readonly stack: string;
  readonly executionStatus: string;
  readonly record?: ReviewRecord;
}

export interface FoundReview {
  readonly name: string;
  readonly record: ReviewRecord;
  /** By stack name. */
  readonly changeSets: ReadonlyMap<string, ReviewedSet>;
}

/** A command a message tells a person to run, as they can paste it (the CLI passes one with this run's flags). */
export type CommandLine = (words: string) => string;
export const npmCommand: CommandLine = (words) => `npm run orchestrate -- ${words}`;

const again = (env: Environment, command: CommandLine) => `review again with '${command(`changeset ${env.name}`)}' and run the command it prints`;

/**
 * Review NAME's change sets and what they were made from; refuses (exit 2) when there are none, when they do
 * not carry one agreeing record, or when the flags or the environment values contradict it.
 */
export async function readReview(
  cfn: CloudFormationApi,
  env: Environment,
  name: string,
  flags: { imageTag?: string; build?: string },
  command: CommandLine,
): Promise<FoundReview> {
  const heading = `Cannot deploy ${env.name} (${env.region}) with review ${name}:`;
  if (flags.build !== undefined) throw inputErrors([`--build makes a new image, which no review has seen: drop --build (the review's image is deployed)`], heading);
  const changeSets = new Map<string, ReviewedSet>();
  for (const { id } of STACKS) {
    const stack = stackName(env, id);
    const sets = await cfn.listChangeSets(stack).catch((error: unknown) => {
      if (isStackMissing(error)) return [];
      throw error;
    });
    const set = sets.find((s) => s.name === name);
    if (set) changeSets.set(stack, { stack, executionStatus: set.executionStatus, record: parseReviewDescription(set.description) });
  }
  if (changeSets.size === 0) throw inputErrors([await nothingFound(cfn, env, name, command)], heading);

  const records = [...changeSets.values()];
  const unrecorded = records.filter((s) => !s.record).map((s) => s.stack);
  if (unrecorded.length > 0) {
    throw inputErrors([`change set ${name} on ${unrecorded.join(", ")} does not record what it was made from (not made by 'orchestrate changeset', or by an older version): ${again(env, command)}`], heading);
  }
  const record = records[0]!.record!;
  if (records.some((s) => JSON.stringify(s.record) !== JSON.stringify(record))) {
    throw inputErrors([`the change sets named ${name} were made from different images or environment values (two reviews in the same second?): ${again(env, command)}`], heading);
  }

  const problems: string[] = [];
  if (flags.imageTag !== undefined && flags.imageTag !== record.imageTag) {
    problems.push(`--image-tag ${flags.imageTag} contradicts ${name}, which was made with image tag ${record.imageTag} (${record.imageUri}): drop --image-tag, the review's image is deployed; or review ${flags.imageTag}`);
  }
  const moved = fingerprintDifferences(record.environment, environmentFingerprint(env));
  if (moved.length > 0) {
    problems.push(
      `environment values differ from the review's: ${moved.join(", ")}: run the deploy command the review printed (same --config and --region, same PROJECT_NAME and BASE_DOMAIN), or ${again(env, command)}`,
    );
  }
  if (problems.length > 0) throw inputErrors(problems, heading);
  return { name, record, changeSets };
}

/** No stack has change set NAME: say whether stacks were updated since (which deletes change sets) or it never existed. */
async function nothingFound(cfn: CloudFormationApi, env: Environment, name: string, command: CommandLine): Promise<string> {
  const updated: string[] = [];
  for (const { id } of STACKS) if (await updatedSince(cfn, stackName(env, id), name)) updated.push(stackName(env, id));
  const gone = updated.map((stack) => `\n      ${stack}: not current: ${UPDATED_SINCE}, and CloudFormation deleted its other change sets`).join("");
  return `no change set ${name} in ${env.name}: it was never created, was discarded, or its stacks were updated since${gone}\n    ${again(env, command)}`;
}

export interface ReviewedDeployCheck {
  readonly env: Environment;
  readonly cfn: CloudFormationApi;
  readonly review: FoundReview;
  /** The nodes this deploy would run (--stacks, else all). */
  readonly nodes: readonly NodeId[];
  /** Values preflight looked up, with ImageUri the review's. */
  readonly context: Readonly<Record<string, string>>;
  /** The certificate's outputs when issued; `exists` false when deploy would have to request one. */
  readonly certificate: { exists: boolean; outputs?: Record<string, string>; description: string };
  /** How the refusals name the commands to run next, with this run's flags. */
  readonly command: CommandLine;
}

/** Refuses (exit 2), listing every stack that stands in the way, unless executing review NAME's change sets is the whole deploy. */
export async function verifyReviewedDeploy(check: ReviewedDeployCheck): Promise<void> {
  const { env, review, nodes } = check;
  const problems: string[] = [];
  if (nodes.includes("certificate") && !check.certificate.exists) {
    problems.push(`the certificate for ${env.name} does not exist and would have to be requested, which no review covers: create it with '${check.command(`deploy ${env.name}`)}' (without --changeset)`);
  }
  for (const { id } of STACKS) {
    const stack = stackName(env, id);
    if (!nodes.includes(id)) {
      if (review.changeSets.has(stack)) problems.push(`${stack}: has change set ${review.name}, which --stacks leaves out: a review runs whole; drop --stacks or include ${id}`);
      continue;
    }
    const problem = await stackProblem(check, id, stack);
    if (problem) problems.push(`${stack}${problem}`);
  }
  if (problems.length > 0) throw inputErrors(problems, `Cannot deploy ${env.name} (${env.region}) with review ${review.name}; nothing was changed:`);
}

/** Why this stack keeps the review from being executed as it is, or undefined. */
async function stackProblem(check: ReviewedDeployCheck, id: StackId, stack: string): Promise<string | undefined> {
  const { cfn, env, review, command } = check;
  const current = await cfn.describeStack(stack);
  if (!current || isEmptyReview(current.status)) {
    return ` does not exist yet: a reviewed deploy executes change sets only and never creates a stack; create it with '${command(`deploy ${env.name}`)}' (its review shows it from the local template)`;
  }
  if (!isUpdatable(current.status)) return `: ${current.status}: a reviewed deploy does not recover stacks; run '${command(`deploy ${env.name}`)}' or '${command(`status ${env.name}`)}' for the next step`;
  const desired = await desiredState(check, id, current);
  if (typeof desired === "string") return `: ${desired}`;
  const reviewed = review.changeSets.get(stack);
  if (!reviewed) {
    if (desired.unchanged) return undefined;
    if (await updatedSince(cfn, stack, review.name)) return `: not current: ${UPDATED_SINCE}, and it has changes no review covers; ${again(env, command)}`;
    return ` has changes but no change set ${review.name}: the review did not cover them (the config or an upstream stack changed since?); ${again(env, command)}`;
  }
  const verdict = await isReviewedChangeSetCurrent(cfn, stack, review.name, desired);
  if (!verdict.current) return `: not current: ${verdict.why}; ${again(env, command)}`;
  // Current, yet nothing to do: executing it would change nothing, which is not what was reviewed.
  if (desired.unchanged) return `: change set ${review.name} would not be executed: the stack already matches it; ${again(env, command)}`;
  return undefined;
}

async function desiredState(check: ReviewedDeployCheck, id: StackId, current: DeployedStack) {
  const definition = stackDefinition(id);
  const sources = { env: check.env, cfn: check.cfn, context: check.context, certificateOutputs: async () => check.certificate.outputs };
  const parameters = await resolveInputs(sources, definition, new Map());
  if (typeof parameters === "string") return parameters;
  const template = synthesize(definition, check.env);
  const unchanged = matchesDeployed(current, await check.cfn.templateBody(current.name), { template, parameters, tags: stackTags(check.env) });
  return { templateBody: JSON.stringify(template), parameters, unchanged };
}

/** The review's image replaces whatever preflight resolved the tag to now: the tag may have moved since. */
export function withReviewedImage<T extends Readonly<Record<string, string>>>(context: T, review: FoundReview): T {
  return { ...context, ImageUri: review.record.imageUri };
}

/**
 * For `deploy --changeset NAME`: the reviewed change set may run only if it was made from exactly
 * what deploy would submit now, and CloudFormation still considers it executable.
 */
export async function isReviewedChangeSetCurrent(
  cfn: CloudFormationApi,
  name: string,
  changeSetName: string,
  desired: { templateBody: string; parameters: Record<string, string> },
): Promise<ReviewCheck> {
  const inputs = await cfn.changeSetInputs(name, changeSetName);
  if (!inputs) {
    if (await updatedSince(cfn, name, changeSetName)) return { current: false, why: UPDATED_SINCE };
    return { current: false, why: `${name} has no change set ${changeSetName}: it was discarded, executed, or never made for this stack` };
  }
  if (inputs.executionStatus === "OBSOLETE") return { current: false, why: `${UPDATED_SINCE} (change set ${changeSetName} is OBSOLETE)` };
  if (inputs.executionStatus !== "AVAILABLE") return { current: false, why: `change set ${changeSetName} is ${inputs.executionStatus}` };
  const changed = Object.keys({ ...inputs.parameters, ...desired.parameters }).filter((k) => inputs.parameters[k] !== desired.parameters[k]);
  if (changed.length > 0) return { current: false, why: `parameters changed since the review: ${changed.join(", ")}` };
  const body = await cfn.changeSetTemplateBody(name, changeSetName);
  if (!sameJson(body, JSON.parse(desired.templateBody))) return { current: false, why: "the template changed since the review" };
  return { current: true, changeSetId: inputs.id };
}

export const UPDATED_SINCE = "the stack was updated since the review";

/**
 * Whether the stack changed after review NAME began. A reviewed change set vanishes that way: "When you execute
 * a change set, CloudFormation deletes all other change sets associated with the stack" (ExecuteChangeSet API
 * reference), and the user guide: "CloudFormation retains all change sets until you update the stack".
 */
export async function updatedSince(cfn: CloudFormationApi, stack: string, changeSetName: string): Promise<boolean> {
  const startedAt = reviewStartedAt(changeSetName);
  if (startedAt === undefined) return false;
  const lastUpdated = (await cfn.describeStack(stack))?.lastUpdated;
  // Stryker disable next-line EqualityOperator: > and >= part only for an update stamped at the very millisecond the name's second began; the name has whole seconds and AWS stamps with its own clock, so neither orders that instant better, and both refuse (only the wording differs)
  return lastUpdated !== undefined && lastUpdated.getTime() >= startedAt;
}
