/**
 * After the backend stack succeeded through CloudFormation, the service must run the stack's own task
 * definition. A hotswap moved it elsewhere; when the desired image is the one CloudFormation already has, the
 * stack is unchanged and nothing in CloudFormation would move it back. So the deploy does, and follows the
 * rollout, so that the deploy after it is a no-op. Not where the environment retains data: no hotswap runs there,
 * so the drift is someone's hand, and it is reported with the commands that review it instead.
 */
import type { Environment, StackId } from "../../env/model.js";
import { serviceDrift } from "./drift.js";
import { rolloutUnderway } from "./rollout-underway.js";
import { revisionName, rollServiceTo, type SwapContext } from "./swap.js";

type AfterStack = (node: StackId, outputs: Record<string, string>, signal?: AbortSignal) => Promise<string[]>;

export interface HealDeps {
  readonly env: Environment;
  readonly swap: Omit<SwapContext, "node">;
  /** Stacks this run hotswapped: their service is meant to differ from the stack. */
  readonly hotswapped: ReadonlySet<StackId>;
  /**
   * Where hotswap is allowed, drift is a hotswap's and is moved back. Where the environment retains data, no
   * hotswap made it: someone moved the service by hand (an incident rollback, say), and undoing that unreviewed
   * could redeploy the very image they moved away from. There it is said, with the commands that review it.
   */
  readonly moveBack: boolean;
  /** A command as the user would type it, with this run's flags. */
  readonly command: (words: string) => string;
}

export function healingHotswapDrift(afterStack: AfterStack | undefined, deps: HealDeps): AfterStack {
  return async (node, outputs, signal) => {
    const notes = (await afterStack?.(node, outputs, signal)) ?? [];
    if (node !== "backend") return notes;
    const { env, swap, hotswapped } = deps;
    if (hotswapped.has(node)) return notes;
    const drift = await serviceDrift(swap.ecs, env, outputs);
    if (!drift) return notes;
    if (!deps.moveBack) {
      return [
        ...notes,
        `service runs ${revisionName(drift.running)}, not the stack's ${revisionName(drift.declared)} (changed outside CloudFormation): not moved back in ${env.name}, which retains data. ` +
          `See it with '${deps.command(`changeset ${env.name} --drift`)}'; '${deps.command(`deploy ${env.name} --revert-drift`)}' puts it back after review.`,
      ];
    }
    // Another run's hotswap may be following that rollout: moving the service now would cut it short mid-way.
    const details = await swap.ecs.serviceDetails(drift.cluster, drift.service);
    const underway = details && rolloutUnderway(drift.service, details, swap.clock.now());
    if (underway) return [...notes, `${underway}: not moved back to the stack's ${revisionName(drift.declared)} mid-way; run the deploy again once it has finished`];
    const outcome = await rollServiceTo({ ...swap, node }, drift, drift.declared, drift.running);
    if (!outcome.ok) {
      throw new Error(`${outcome.message}${outcome.evidence.length > 0 ? ` (${outcome.evidence.join("; ")})` : ""}: the service still runs the hotswapped ${revisionName(drift.running)}; run the deploy again`);
    }
    return [...notes, `service ran the hotswapped ${revisionName(drift.running)}: put back on the stack's ${revisionName(drift.declared)}`];
  };
}
