/**
 * The stacks as deployed, read once before a deploy changes anything (for the protection check), and
 * handed on to the engine so its own first read of each stack costs no second round trip.
 */
import type { CloudFormationApi, DeployedStack } from "../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../env/model.js";
import type { Clock } from "./clock.js";
import { isEmptyReview } from "./stack-status.js";

export interface DeployedSnapshot {
  readonly node: StackId;
  readonly name: string;
  /** undefined: no such stack. */
  readonly stack?: DeployedStack;
  /** The deployed template as CloudFormation returns it; undefined when there is none yet. */
  readonly body?: string;
  /** When it was read, by the run's clock. */
  readonly readAt: number;
}

/** DescribeStacks, then GetTemplate where a template exists: the same two reads the engine starts each stack with. */
export async function readDeployedStacks(cfn: CloudFormationApi, env: Environment, nodes: readonly StackId[], clock: Clock): Promise<DeployedSnapshot[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const name = stackName(env, node);
      const stack = await cfn.describeStack(name);
      // An empty REVIEW_IN_PROGRESS stack has no template of its own yet.
      const body = stack && !isEmptyReview(stack.status) ? await cfn.templateBody(name) : undefined;
      return { node, name, stack, body, readAt: clock.now() };
    }),
  );
}

/**
 * A read younger than this stands in for the engine's first read of the same stack. It covers the no-op
 * deploy and the first layer, which start at once; a stack that starts minutes later (after its producers)
 * reads afresh, so the engine never decides from a stale status.
 */
export const FRESH_FOR_MS = 10_000;

/**
 * The CloudFormation API, except that the first DescribeStacks and the first GetTemplate of each snapshot's
 * stack are answered from the snapshot while it is fresh. Each is used at most once: waits and polls always
 * read AWS. Every other call goes straight through.
 */
export function reusingFirstReads(cfn: CloudFormationApi, snapshots: readonly DeployedSnapshot[], clock: Clock): CloudFormationApi {
  const stacks = new Map(snapshots.map((s) => [s.name, s]));
  const bodies = new Map(snapshots.filter((s) => s.body !== undefined).map((s) => [s.name, s]));
  const take = (from: Map<string, DeployedSnapshot>, name: string) => {
    const snapshot = from.get(name);
    from.delete(name);
    return snapshot && clock.now() - snapshot.readAt <= FRESH_FOR_MS ? snapshot : undefined;
  };
  // Object.create keeps every other method (and its retries) of the real API, with `this` still reaching its client.
  const shared = Object.create(cfn) as CloudFormationApi;
  shared.describeStack = async (name) => {
    const snapshot = take(stacks, name);
    return snapshot ? snapshot.stack : cfn.describeStack(name);
  };
  shared.templateBody = async (name) => {
    const snapshot = take(bodies, name);
    return snapshot ? snapshot.body : cfn.templateBody(name);
  };
  return shared;
}
