/**
 * What a hotswap would do, read before anything changes: each stack as deployed (the same reads the
 * protection check makes) against the desired template and parameters (resolved as a deploy resolves
 * them, from the producers' outputs as CloudFormation reports them), judged by eligibility.ts.
 */
import type { CloudFormationApi, DeployedStack } from "../../aws/cloudformation.js";
import type { Environment, StackId } from "../../env/model.js";
import { stackDefinition } from "../../templates/index.js";
import { stackTags, synthesize } from "../../templates/stack.js";
import type { Clock } from "../clock.js";
import { readDeployedStacks, type DeployedSnapshot } from "../deployed-stacks.js";
import { resolveInputs, type InputSources } from "../inputs.js";
import { parseTemplate } from "../teardown/teardown-retained.js";
import { hotswapVerdict, IMAGE_PARAMETER, type HotswapVerdict, type StackRecord } from "./eligibility.js";

export interface HotswapPlanRequest {
  readonly env: Environment;
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  /** Preflight's values (ImageUri by digest, HostedZoneId, SecretsArn). */
  readonly context: Readonly<Record<string, string>>;
  readonly nodes: readonly StackId[];
  readonly certificateOutputs: () => Promise<Record<string, string> | undefined>;
  /** Before `--build` has pushed the image there is no digest yet: the image is left out of the judgment. */
  readonly imageNotYetBuilt?: boolean;
}

export interface PlannedStack {
  readonly node: StackId;
  readonly verdict: HotswapVerdict;
  readonly snapshot: DeployedSnapshot;
}

export async function planHotswap(request: HotswapPlanRequest): Promise<PlannedStack[]> {
  const { env } = request;
  const snapshots = await readDeployedStacks(request.cfn, env, request.nodes, request.clock);
  const sources: InputSources = { env, cfn: request.cfn, context: request.context, certificateOutputs: request.certificateOutputs };
  return Promise.all(
    snapshots.map(async (snapshot) => {
      const resolved = await resolveInputs(sources, stackDefinition(snapshot.node), new Map());
      const deployedImage = snapshot.stack?.parameters[IMAGE_PARAMETER];
      const parameters =
        request.imageNotYetBuilt && typeof resolved !== "string" && IMAGE_PARAMETER in resolved && deployedImage !== undefined ? { ...resolved, [IMAGE_PARAMETER]: deployedImage } : resolved;
      const desired = typeof parameters === "string" ? { problem: parameters } : desiredRecord(env, snapshot.node, parameters);
      const verdict = hotswapVerdict({ node: snapshot.node, deployed: deployedRecord(snapshot.stack, snapshot.body), desired });
      return { node: snapshot.node, verdict, snapshot };
    }),
  );
}

/** The stack as eligibility compares it, from DescribeStacks and GetTemplate; undefined when there is none. */
export function deployedRecord(stack: DeployedStack | undefined, body: string | undefined): (StackRecord & { status: string }) | undefined {
  if (!stack) return undefined;
  return { status: stack.status, template: parseTemplate(body), parameters: stack.parameters, tags: stack.tags, terminationProtection: stack.terminationProtection };
}

/** The stack as a deploy would make it, with these parameters. */
export function desiredRecord(env: Environment, node: StackId, parameters: Record<string, string>): StackRecord {
  return { template: synthesize(stackDefinition(node), env), parameters, tags: stackTags(env), terminationProtection: env.terminationProtection };
}

/** Every difference that needs CloudFormation, in graph order. */
export const blockingDifferences = (plan: readonly PlannedStack[]): string[] =>
  plan.flatMap((p) => (p.verdict.kind === "not-hotswappable" ? p.verdict.differences : []));
