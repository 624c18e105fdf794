/**
 * A stack's turn in a `deploy --hotswap` run (deploy.ts `runInstead`): judged again with the parameters the
 * run resolved (a producer deployed earlier in the run may have changed them), then hotswapped, reported
 * unchanged, or handed back to the change-set path (--hotswap-fallback) or refused (--hotswap).
 */
import type { CloudFormationApi } from "../../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../../env/model.js";
import { stackTags } from "../../templates/stack.js";
import type { Clock } from "../clock.js";
import type { NodeResult } from "../results.js";
import { isEmptyReview } from "../stack-status.js";
import { hotswapVerdict } from "./eligibility.js";
import { deployedRecord, desiredRecord } from "./plan.js";
import type { HotswapChange } from "./revision.js";
import { serviceTarget } from "./rollout-underway.js";
import { desiredChange } from "./desired-change.js";
import { hotswapService, type SwapContext } from "./swap.js";

export interface HotswapRunDeps {
  readonly env: Environment;
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  /** `fallback`: what cannot be hotswapped goes through a change set; `strict`: it was refused before, and is again. */
  readonly mode: "strict" | "fallback";
  readonly swap: Omit<SwapContext, "node">;
  /** The tag the image was asked for by, for the summary (`image latest (sha256:…)`). */
  readonly imageTag: string;
}

export function hotswapInstead(deps: HotswapRunDeps): (node: StackId, parameters: Record<string, string>) => Promise<NodeResult | undefined> {
  return async (node, parameters) => {
    const started = deps.clock.now();
    const name = stackName(deps.env, node);
    const stack = await deps.cfn.describeStack(name);
    const body = stack && !isEmptyReview(stack.status) ? await deps.cfn.templateBody(name) : undefined;
    const desired = desiredRecord(deps.env, node, parameters);
    const verdict = hotswapVerdict({ node, deployed: deployedRecord(stack, body), desired });
    if (verdict.kind === "not-hotswappable") {
      if (deps.mode === "fallback") return undefined;
      const message = `refused: changed since the hotswap was planned (${verdict.differences.join("; ")}); nothing was changed on ${name}`;
      return { kind: "failed", refused: true, message, durationMs: deps.clock.now() - started };
    }
    // The change-set path reports an unchanged stack just as well, and also runs its post-stack steps.
    if (verdict.kind === "unchanged") return deps.mode === "fallback" ? undefined : { kind: "unchanged", outputs: stack!.outputs, durationMs: deps.clock.now() - started };

    const outputs = stack!.outputs;
    const target = serviceTarget(deps.env, stack!);
    // The whole desired state of the app container, not only the difference from the stack: the running revision may be an earlier hotswap's.
    const outcome = await hotswapService({ ...deps.swap, node }, target, desiredChange(desired), stackTags(deps.env));
    const durationMs = deps.clock.now() - started;
    if (!outcome.ok) return { kind: "failed", message: outcome.message, evidence: [...outcome.evidence], durationMs, containersAtFault: true };
    const swapped = swappedText(verdict, deps.imageTag);
    return { kind: "deployed", action: "hotswap", swapped: outcome.alreadyRunning ? `already running ${swapped}` : swapped, outputs, durationMs };
  };
}

/** `image latest (sha256:0123456789ab), variables LOG_LEVEL`: what the hotswap changed, as the summary shows it. */
export function swappedText(change: HotswapChange, imageTag: string): string {
  const digest = change.image ? /@(sha256:[0-9a-f]{12})/.exec(change.image)?.[1] : undefined;
  const parts = [
    ...(change.image ? [`image ${imageTag}${digest ? ` (${digest})` : ""}`] : []),
    ...(change.environment ? [`variables ${Object.keys(change.environment).join(", ")}`] : []),
  ];
  return parts.join(", ");
}
