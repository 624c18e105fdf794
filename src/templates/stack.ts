/**
 * How a stack is declared: what it consumes (inputs from other producers), the resources it builds,
 * and what it produces (outputs). The template's Parameters, Outputs, Exports and tags all follow
 * from this one declaration, and so do the deploy and teardown orders.
 */
import { exportName, type Environment, type StackId } from "../env/model.js";
import { ref, type Json, type Output, type Parameter, type Resource, type Template } from "./cfn.js";

/**
 * Who produces a value. Stacks produce their outputs; `certificate` is the ACM certificate the
 * orchestrator requests; `context` holds what preflight looks up (hosted zone, image URI).
 */
export type ProducerId = StackId | "certificate" | "context";

export interface InputRef {
  readonly from: ProducerId;
  readonly output: string;
  /** CloudFormation parameter type; lists travel as comma-joined strings. */
  readonly type: "String" | "CommaDelimitedList";
  /**
   * Absent: every environment uses the input. Otherwise only environments for which it answers true
   * declare the parameter and are passed a value; CloudFormation refuses a parameter a template does not declare.
   */
  readonly when?: (env: Environment) => boolean;
}

export const from = (producer: ProducerId, output: string): InputRef => ({ from: producer, output, type: "String" });
export const fromList = (producer: ProducerId, output: string): InputRef => ({ from: producer, output, type: "CommaDelimitedList" });

/** The same input, declared only by environments that use it (e.g. private subnets only where tasks run in them). */
export const onlyWhen = (input: InputRef, when: (env: Environment) => boolean): InputRef => ({ ...input, when });

export type Inputs = Record<string, InputRef>;

/** The inputs a stack declares in one environment: its parameters, and what the orchestrator passes it. */
export function inputsFor(definition: Pick<StackDefinition, "inputs">, env: Environment): Inputs {
  return Object.fromEntries(Object.entries(definition.inputs).filter(([, input]) => input.when?.(env) ?? true));
}

export interface StackBody {
  conditions?: Record<string, Json>;
  resources: Record<string, Resource>;
  outputs: Record<string, { value: Json; description: string }>;
}

export interface StackDefinition {
  readonly id: StackId;
  readonly description: string;
  readonly inputs: Inputs;
  /** Logical ids of resources holding data that must survive (retained in environments that retain data). */
  readonly statefulResources: readonly string[];
  /** Pure: environment in, resources and outputs out. Inputs are referenced with `param(name)`. */
  readonly body: (env: Environment, param: (name: string) => Json) => StackBody;
}

/** Declares a stack; `param` only accepts the names the stack declares as inputs. */
export function defineStack<I extends Inputs>(
  definition: Omit<StackDefinition, "inputs" | "body"> & {
    readonly inputs: I;
    readonly body: (env: Environment, param: (name: keyof I & string) => Json) => StackBody;
  },
): StackDefinition {
  return definition as StackDefinition;
}

/**
 * Stack-level tags, applied by CloudFormation to every taggable resource; also the key/value map form
 * a few resource types take (Cognito user pool, SSM).
 */
export function stackTags(env: Environment): Record<string, string> {
  return { Project: env.project, Environment: env.name };
}

/** Tags every resource carries, in the list form most resource types take. */
export function tagList(env: Environment, extra: Record<string, string> = {}): Json {
  return Object.entries({ ...stackTags(env), ...extra }).map(([Key, Value]) => ({ Key, Value }));
}

/** Deletion and replacement protection for production data. */
export function dataProtection(env: Environment): Pick<Resource, "DeletionPolicy" | "UpdateReplacePolicy"> {
  return env.retainData ? { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" } : { DeletionPolicy: "Delete", UpdateReplacePolicy: "Delete" };
}

/** Builds the full template of a stack for an environment. */
export function synthesize(definition: StackDefinition, env: Environment): Template {
  const inputs = inputsFor(definition, env);
  const known = new Set(Object.keys(inputs));
  const param = (name: string): Json => {
    if (!known.has(name)) throw new Error(`Stack ${definition.id} references input ${name}, which it does not declare for ${env.name}`);
    return ref(name);
  };
  const body = definition.body(env, param);

  const parameters: Record<string, Parameter> = {};
  for (const [name, input] of Object.entries(inputs)) {
    parameters[name] = { Type: input.type, Description: `${input.output} from ${input.from}` };
  }
  const outputs: Record<string, Output> = {};
  for (const [name, output] of Object.entries(body.outputs)) {
    outputs[name] = { Description: output.description, Value: output.value, Export: { Name: exportName(env, name) } };
  }

  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `${env.project} ${env.name}: ${definition.description}`,
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    ...(body.conditions ? { Conditions: body.conditions } : {}),
    Resources: body.resources,
    Outputs: outputs,
  };
}
