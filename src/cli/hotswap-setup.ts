/**
 * `deploy --hotswap` / `--hotswap-fallback`: its refusals, all made before anything in AWS changes (exit 2),
 * and what the engine needs to hotswap (deploy.ts `runInstead`) and to heal a hotswap's drift afterwards.
 */
import type { StackId } from "../env/model.js";
import { UserInputError } from "../errors.js";
import { lookUpCertificate } from "../orchestrator/deploy/certificate.js";
import { ecsLayer } from "../orchestrator/hotswap/ecs-wiring.js";
import { logsWords } from "../orchestrator/logs/command-hint.js";
import type { HealDeps } from "../orchestrator/hotswap/heal.js";
import { blockingDifferences, planHotswap, type PlannedStack } from "../orchestrator/hotswap/plan.js";
import { rolloutUnderway, serviceTarget } from "../orchestrator/hotswap/rollout-underway.js";
import { hotswapInstead } from "../orchestrator/hotswap/run-node.js";
import type { SwapContext } from "../orchestrator/hotswap/swap.js";
import type { NodeResult } from "../orchestrator/results.js";
import { retainsData } from "../orchestrator/protection-guard.js";
import type { EventSink } from "../orchestrator/events.js";
import type { DeployOptions } from "./deploy-options.js";
import { commandLine } from "./invocation.js";
import type { Session } from "./session.js";

export const isHotswap = (options: Pick<DeployOptions, "hotswap" | "hotswapFallback">): boolean => Boolean(options.hotswap || options.hotswapFallback);

/** Flags that make no sense with a hotswap, and an environment that retains data: refused before any read. */
export function refuseHotswapUpFront(session: Session, options: DeployOptions & { express?: boolean }): void {
  if (!isHotswap(options)) return;
  const flag = options.hotswapFallback ? "--hotswap-fallback" : "--hotswap";
  const clashes: [boolean | undefined, string, string][] = [
    [options.changeset !== undefined, "--changeset", "it executes exactly the change sets a review kept, and a hotswap skips CloudFormation"],
    [options.revertDrift, "--revert-drift", "it makes drift-aware change sets, and a hotswap makes drift"],
    [options.express, "--express", "both are ways to ship faster; pick one"],
  ];
  for (const [given, other, why] of clashes) {
    if (given) throw new UserInputError(`${flag} and ${other} cannot be combined: ${why}. Run one of them alone.`);
  }
  refuseInEnvironmentRetainingData(session, options, []);
}

function refuseInEnvironmentRetainingData(session: Session, options: DeployOptions, snapshots: Parameters<typeof retainsData>[1]): void {
  const flag = options.hotswapFallback ? "--hotswap-fallback" : "--hotswap";
  if (!retainsData(session.env, snapshots)) return;
  const env = session.env.name;
  throw new UserInputError(
    `${flag} refused: ${env} retains data, and production changes go through CloudFormation and review. Nothing was changed. ` +
      `Review with '${commandLine(`changeset ${env}`, options)}', then deploy without ${flag}.`,
  );
}

/**
 * Reads every stack in scope and judges it; under --hotswap anything that needs CloudFormation is refused,
 * listed, with --hotswap-fallback named. `imageNotYetBuilt`: the check --build makes before it pushes.
 */
export async function checkHotswap(session: Session, options: DeployOptions, nodes: readonly StackId[], context: Readonly<Record<string, string>>, imageNotYetBuilt = false) {
  const { env, clients, retry } = session;
  const plan = await planHotswap({
    env,
    cfn: session.cfn,
    clock: session.clock,
    context,
    nodes,
    imageNotYetBuilt,
    certificateOutputs: async () => (await lookUpCertificate(env, clients, retry)).outputs,
  });
  // The config cannot switch this off: stacks that protect data today make it an environment that retains data.
  refuseInEnvironmentRetainingData(session, options, plan.map((p) => p.snapshot));
  const blocking = blockingDifferences(plan);
  if (blocking.length > 0 && !options.hotswapFallback) {
    throw new UserInputError(
      [
        `--hotswap refused: these differences need CloudFormation, so nothing was changed:`,
        ...blocking.map((d) => `  - ${d}`),
        `Deploy them through change sets ('${commandLine(`deploy ${env.name}`, options)}'), or hotswap what can be and deploy the rest: '${commandLine(`deploy ${env.name} --hotswap-fallback`, options)}'.`,
      ].join("\n"),
    );
  }
  await refuseWhileServiceRollsOut(session, options, plan);
  return plan;
}

/** A hotswap of a service that another run is rolling out would replace that rollout mid-way: refused (rollout-underway.ts). */
async function refuseWhileServiceRollsOut(session: Session, options: DeployOptions, plan: readonly PlannedStack[]): Promise<void> {
  const backend = plan.find((p) => p.verdict.kind === "hotswappable" && p.snapshot.stack);
  if (!backend) return;
  const target = serviceTarget(session.env, backend.snapshot.stack!);
  const details = await ecsLayer(session.clients, session.retry).ecs.serviceDetails(target.cluster, target.service);
  const underway = details && rolloutUnderway(target.service, details, session.clock.now());
  if (!underway) return;
  const flag = options.hotswapFallback ? "--hotswap-fallback" : "--hotswap";
  throw new UserInputError(
    `${flag} refused: ${underway}; nothing was changed. Another run (a hotswap, or a deploy through CloudFormation) may be following it, and a new rollout would replace it mid-way. ` +
      `Wait for it to finish (${commandLine(`status ${session.env.name}`, options)}), then run again.`,
  );
}

export interface HotswapWiring {
  readonly runInstead?: (node: StackId, parameters: Record<string, string>) => Promise<NodeResult | undefined>;
  /** For the drift heal after a normal deploy's backend (heal.ts). */
  readonly heal: HealDeps;
}

/**
 * The engine's hooks: hotswap where asked, and heal a hotswap's drift after any deploy's backend.
 * `retainsData`: the run's own judgment (checkProtection: the seed's defaults and the deployed stacks), so the heal
 * leaves a hand-moved service alone wherever the hotswap itself would be refused.
 */
export function hotswapWiring(session: Session, options: DeployOptions, emit: EventSink, imageTag: string, retainsData: boolean): HotswapWiring {
  const hotswapped = new Set<StackId>();
  const swap: Omit<SwapContext, "node"> = {
    ...ecsLayer(session.clients, session.retry),
    clock: session.clock,
    signal: session.signal,
    emit,
    timeoutMs: options.rolloutTimeout,
    logsCommand: commandLine(logsWords(session.env), options),
  };
  const mode = options.hotswapFallback ? "fallback" : "strict";
  const instead = isHotswap(options) ? hotswapInstead({ env: session.env, cfn: session.cfn, clock: session.clock, mode, swap, imageTag }) : undefined;
  return {
    runInstead: instead
      ? async (node, parameters) => {
          const result = await instead(node, parameters);
          if (result?.kind === "deployed" && result.action === "hotswap") hotswapped.add(node);
          return result;
        }
      : undefined,
    heal: { env: session.env, swap, hotswapped, moveBack: !retainsData, command: (words) => commandLine(words, options) },
  };
}
