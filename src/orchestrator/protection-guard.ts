/**
 * Before a deploy changes anything: what it would lower, per stack, and whether the environment retains
 * data, in which case lowering needs an explicit opt-in that `--yes` does not imply.
 */
import type { Environment, StackId } from "../env/model.js";
import { ENVIRONMENT_DEFAULTS } from "../env/defaults.js";
import { stackDefinition } from "../templates/index.js";
import { synthesize } from "../templates/stack.js";
import type { DeployedSnapshot } from "./deployed-stacks.js";
import { deployedProtection, describeLowering, protectionLowerings, protectsData, type ProtectionLowering } from "./protection.js";
import { parseTemplate } from "./teardown/teardown-retained.js";

export const ALLOW_LOWERING_FLAG = "--allow-protection-lowering";

export interface StackLowerings {
  readonly node: StackId;
  readonly stack: string;
  readonly lowerings: readonly ProtectionLowering[];
}

/** What deploying `env` would lower, stack by stack (only stacks with something to say). */
export function plannedLowerings(env: Environment, snapshots: readonly DeployedSnapshot[]): StackLowerings[] {
  return snapshots.flatMap(({ node, name, stack, body }) => {
    if (!stack) return [];
    const definition = stackDefinition(node);
    const lowerings = protectionLowerings(
      definition,
      name,
      deployedProtection(body, stack.terminationProtection),
      { template: synthesize(definition, env), terminationProtection: env.terminationProtection },
    );
    return lowerings.length > 0 ? [{ node, stack: name, lowerings }] : [];
  });
}

/**
 * Whether `env` holds data worth an opt-in. Decided from what the config cannot switch off: the seed's
 * defaults for this environment or the one it extends (prod's retain), or deployed stacks that protect something today.
 * Never from the config itself, which is the very thing that would lower it.
 */
export function retainsData(env: Pick<Environment, "base">, snapshots: readonly Pick<DeployedSnapshot, "stack" | "body">[]): boolean {
  // An environment declared in the config takes its base's seed: `extends: prod` retains as prod does.
  const seed = ENVIRONMENT_DEFAULTS[env.base];
  // Either one alone would be reason enough; no seed in defaults.ts sets one without the other today.
  // Stryker disable next-line LogicalOperator: every seed (dev, stage: both false; prod: both true) gives || and && the same answer
  if (seed.retainData || seed.terminationProtection) return true;
  return snapshots.some((s) => s.stack && protectsData({ template: parseTemplate(s.body), terminationProtection: s.stack.terminationProtection }));
}

/** The refusal's message: each lowering per stack, and how to proceed. */
export function loweringRefusal(env: Pick<Environment, "name">, found: readonly StackLowerings[]): string {
  return [
    `refused: this deploy lowers the protection of ${env.name}'s data, which ${env.name} retains:`,
    ...found.flatMap((s) => s.lowerings.map((l) => `  - ${s.stack}: ${describeLowering(l)}`)),
    `Nothing was changed. If this is intended, rerun with ${ALLOW_LOWERING_FLAG} (--yes does not imply it); otherwise restore these settings in the config.`,
  ].join("\n");
}
