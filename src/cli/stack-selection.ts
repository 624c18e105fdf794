/**
 * `--stacks`: which nodes of the graph a deploy runs, named as a person has them at hand: the short id
 * (`backend`) the help lists, or the CloudFormation stack name (`alert-engine-backend-dev`) that the
 * console, `status` and the progress lines show.
 */
import { didYouMean } from "../did-you-mean.js";
import { stackName, type Environment } from "../env/model.js";
import { UserInputError } from "../errors.js";
import type { NodeId } from "../orchestrator/graph.js";
import { STACKS } from "../templates/index.js";

export const NODE_IDS: NodeId[] = ["certificate", ...STACKS.map((s) => s.id)];

/** `--stacks a,b` split into names; what they mean is decided once the environment is known (selectNodes). */
export function splitStackList(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
}

/** The nodes `names` stand for in `env`, in the order given; refuses a name that is none of them. */
export function selectNodes(env: Pick<Environment, "name" | "project">, names: readonly string[]): NodeId[] {
  if (names.length === 0) throw new UserInputError(`--stacks names no stack: give one or more of ${NODE_IDS.join(", ")}, comma-separated.`);
  return names.map((name) => selectNode(env, name));
}

function selectNode(env: Pick<Environment, "name" | "project">, name: string): NodeId {
  if ((NODE_IDS as string[]).includes(name)) return name as NodeId;
  const byStackName = STACKS.find((s) => stackName(env, s.id) === name);
  if (byStackName) return byStackName.id;
  // Another environment's stack (`alert-engine-backend-prod` in `deploy dev`): say whose it is, never deploy it here.
  const prefix = `${env.project}-`;
  const other = STACKS.find((s) => name.startsWith(`${prefix}${s.id}-`));
  if (other) {
    const owner = name.slice(`${prefix}${other.id}-`.length);
    throw new UserInputError(
      `--stacks ${name} is ${owner}'s ${other.id} stack, not ${env.name}'s: nothing was changed. Deploy it with 'npm run orchestrate -- deploy ${owner} --stacks ${other.id}', or name ${env.name}'s own (${other.id} or ${stackName(env, other.id)}).`,
    );
  }
  const candidates = [...NODE_IDS, ...STACKS.map((s) => stackName(env, s.id))];
  throw new UserInputError(`unknown stack "${name}" in --stacks.${didYouMean(name, candidates)} Valid: ${NODE_IDS.join(", ")} (or their stack names, e.g. ${stackName(env, "backend")}).`);
}
