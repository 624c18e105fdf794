import type { Environment, StackId } from "../env/model.js";
import type { Template } from "./cfn.js";
import { authStack } from "./auth.js";
import { backendStack } from "./backend.js";
import { domainStack } from "./domain.js";
import { networkStack } from "./network.js";
import { storageStack } from "./storage.js";
import { synthesize, type StackDefinition } from "./stack.js";

/** The five stacks of an environment. Order here is for display only; deploy order comes from inputs. */
export const STACKS: readonly StackDefinition[] = [networkStack, storageStack, authStack, backendStack, domainStack];

export const STACK_IDS: readonly StackId[] = STACKS.map((s) => s.id);

export function stackDefinition(id: StackId): StackDefinition {
  const found = STACKS.find((s) => s.id === id);
  if (!found) throw new Error(`No stack named ${id}`);
  return found;
}

export interface SynthesizedStack {
  readonly definition: StackDefinition;
  readonly template: Template;
}

export function synthesizeEnvironment(env: Environment): SynthesizedStack[] {
  return STACKS.map((definition) => ({ definition, template: synthesize(definition, env) }));
}
