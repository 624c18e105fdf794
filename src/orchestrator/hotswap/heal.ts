/**
 * After the backend stack succeeded through CloudFormation, the service must run the stack's own task
 * definition. A hotswap moved it elsewhere; when the desired image is the one CloudFormation already has, the
 * stack is unchanged and nothing in CloudFormation would move it back. So the deploy does, and follows the
 * rollout, so that the deploy after it is a no-op.
 */
import type { Environment, StackId } from "../../env/model.js";
import { serviceDrift } from "./drift.js";
import { revisionName, rollServiceTo, type SwapContext } from "./swap.js";

type AfterStack = (node: StackId, outputs: Record<string, string>, signal?: AbortSignal) => Promise<string[]>;

export interface HealDeps {
  readonly env: Environment;
  readonly swap: Omit<SwapContext, "node">;
  /** Stacks this run hotswapped: their service is meant to differ from the stack. */
  readonly hotswapped: ReadonlySet<StackId>;
}

export function healingHotswapDrift(afterStack: AfterStack | undefined, deps: HealDeps): AfterStack {
  return async (node, outputs, signal) => {
    const notes = (await afterStack?.(node, outputs, signal)) ?? [];
    if (node !== "backend") return notes;
    const { env, swap, hotswapped } = deps;
    if (hotswapped.has(node)) return notes;
    const drift = await serviceDrift(swap.ecs, env, outputs);
    if (!drift) return notes;
    const outcome = await rollServiceTo({ ...swap, node }, drift, drift.declared, drift.running);
    if (!outcome.ok) {
      throw new Error(`${outcome.message}${outcome.evidence.length > 0 ? ` (${outcome.evidence.join("; ")})` : ""}: the service still runs the hotswapped ${revisionName(drift.running)}; run the deploy again`);
    }
    return [...notes, `service ran the hotswapped ${revisionName(drift.running)}: put back on the stack's ${revisionName(drift.declared)}`];
  };
}
