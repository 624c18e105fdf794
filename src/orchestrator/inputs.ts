/**
 * Where a stack's parameter values come from, shared by deploy and review so both resolve them
 * the same way: upstream stacks of the current run report the outputs CloudFormation gave at their
 * end; every other producer is read now (a deployed stack's outputs, the certificate, preflight).
 */
import type { CloudFormationApi } from "../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../env/model.js";
import { inputsFor, type InputRef, type StackDefinition } from "../templates/stack.js";
import type { NodeId } from "./graph.js";
import { outputsOf, type NodeResult } from "./results.js";

export interface InputSources {
  readonly env: Environment;
  readonly cfn: CloudFormationApi;
  /** Values preflight looked up: HostedZoneId, ImageUri. */
  readonly context: Readonly<Record<string, string>>;
  /** The certificate's outputs (CertificateArn) when it is not part of the run; undefined when there is none. */
  readonly certificateOutputs: () => Promise<Record<string, string> | undefined>;
}

/** Parameter values for a stack, or a message naming what is missing and how to get it. */
export async function resolveInputs(
  sources: InputSources,
  definition: StackDefinition,
  results: ReadonlyMap<NodeId, NodeResult>,
): Promise<Record<string, string> | string> {
  const outputsByProducer = new Map<string, Record<string, string> | undefined>();
  const outputsOfProducer = async (input: InputRef) => {
    if (input.from === "context") return sources.context;
    if (!outputsByProducer.has(input.from)) {
      const fromRun = outputsOf(results.get(input.from));
      outputsByProducer.set(input.from, fromRun ?? (await deployedOutputs(sources, input.from)));
    }
    return outputsByProducer.get(input.from);
  };

  const parameters: Record<string, string> = {};
  for (const [name, input] of Object.entries(inputsFor(definition, sources.env))) {
    const value = (await outputsOfProducer(input))?.[input.output];
    if (value === undefined) {
      const where = input.from === "context" ? "preflight" : input.from === "certificate" ? "the certificate step" : `stack ${stackName(sources.env, input.from)}`;
      return `needs ${input.output} from ${where}, which has not produced it: deploy ${input.from} first (or run without --stacks)`;
    }
    parameters[name] = value;
  }
  return parameters;
}

async function deployedOutputs(sources: InputSources, producer: Exclude<InputRef["from"], "context">) {
  if (producer === "certificate") return sources.certificateOutputs();
  return (await sources.cfn.describeStack(stackName(sources.env, producer as StackId)))?.outputs;
}
