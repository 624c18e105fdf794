/**
 * `changeset <env>`: what a deploy would do, without doing it. Every stack, in dependency order,
 * gets its inputs the way deploy resolves them and a change set that is kept for review; a stack
 * that does not exist yet is described from the local template, so no REVIEW_IN_PROGRESS stack
 * is left behind.
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import { isNoChangeReason, isStackMissing, type CloudFormationApi, type DeployedStack } from "../../aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../../env/model.js";
import type { Template } from "../../templates/cfn.js";
import { STACKS, stackDefinition } from "../../templates/index.js";
import { stackTags, synthesize, type StackDefinition } from "../../templates/stack.js";
import type { Clock } from "../clock.js";
import { requiredCapabilities, TEMPLATE_BODY_LIMIT } from "../deploy/deploy-context.js";
import { matchesDeployed } from "../deploy/deployed-differences.js";
import { recoveryStep } from "../deploy/stack-recovery.js";
import { buildGraph, layers, type NodeId } from "../graph.js";
import { resolveInputs, type InputSources } from "../inputs.js";
import type { NodeResult } from "../results.js";
import { changeRows, dangerWarnings, type ResourceChangeRow } from "./review-changes.js";
import { reviewContent, type ReviewContent } from "./review-content.js";
import { parseTemplate } from "../teardown/teardown-plan.js";
import { deployedProtection, protectionLowerings, type ProtectionLowering } from "../protection.js";
import { retainsData } from "../protection-guard.js";
import { isEmptyReview, isFailedFirstCreate, isFailedWithoutRollback, isInProgress, isUpdatable, needsManualRecovery } from "../stack-status.js";
import { waitForChangeSet } from "../deploy/change-set-wait.js";
import { environmentFingerprint, REVIEW_MARKER, reviewDescription } from "./review-record.js";
import { isUnexecutedDeploy } from "../deploy/live-runs.js";
import { overwrittenDrift, stackDrift, type OverwrittenDrift } from "./review-drift.js";
import type { StackDriftApi } from "../../aws/cloudformation-drift.js";
import { blocking, readValidation, VALIDATION_FAILED, type ChangeSetValidation, type ValidationFinding } from "../deploy/change-set-validation.js";

export type { ResourceChangeRow } from "./review-changes.js";
export type { ReviewContent } from "./review-content.js";

export { reviewName } from "./review-record.js";

interface StackReviewBase {
  readonly node: StackId;
  readonly stack: string;
  /** What the reader must know to trust the table: upstream changes, protection, odd states. */
  readonly notes: string[];
  /** What deploying this stack lowers (protection.ts), whether or not the change set shows it. */
  readonly lowerings: ProtectionLowering[];
  /** What CloudFormation's pre-deployment validation found in the change set: failures and warnings. */
  readonly validation?: ValidationFinding[];
  /** `--drift`: changes that touch a resource changed outside CloudFormation (review-drift.ts). */
  readonly overwritesDrift?: OverwrittenDrift[];
}

export type StackReview = StackReviewBase &
  (
    | { kind: "new"; resources: number; resourceTypes: Record<string, number> }
    | { kind: "unchanged" }
    | ({ kind: "changes"; changeSetName: string; changeSetId: string; changes: ResourceChangeRow[] } & ReviewContent)
    /** No change set could be computed yet (missing upstream, another operation running, a state to recover). */
    | { kind: "blocked"; reason: string }
    | { kind: "failed"; reason: string }
  );

export interface ReviewReport {
  readonly environment: string;
  readonly region: string;
  readonly changeSetName: string;
  readonly createdAt: string;
  readonly certificate: string;
  readonly stacks: StackReview[];
  /** Replacements and removals of stateful resources, spelled out once more at the end. */
  readonly warnings: string[];
  /** Some stack lowers protection in an environment that retains data: deploy refuses it without the opt-in flag. */
  readonly loweringNeedsOptIn: boolean;
  readonly interrupted: boolean;
  /**
   * What chose this review's account, region, config and names, which the commands it prints must repeat to act
   * on the same place: shell variables (PROJECT_NAME=…) and options (--config, --region, --profile, --endpoint-url).
   */
  readonly repeat?: { readonly variables: readonly string[]; readonly options: readonly string[] };
}

export interface ReviewRequest {
  readonly env: Environment;
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Values preflight looked up: HostedZoneId, ImageUri. */
  readonly context: Readonly<Record<string, string>>;
  /** The tag preflight resolved to context.ImageUri; recorded with the change sets. */
  readonly imageTag: string;
  /** The issued certificate's outputs (CertificateArn), undefined when deploy would still have to request one. */
  readonly certificate: { outputs?: Record<string, string>; description: string };
  readonly changeSetName: string;
  readonly progress?: (stack: StackId, text: string) => void;
  /** `--drift`: detect drift first and mark the changes that would overwrite it. */
  readonly drift?: StackDriftApi;
  /** `--stacks`: review only these; undefined, every stack. */
  readonly only?: readonly NodeId[];
}

export async function review(request: ReviewRequest): Promise<ReviewReport> {
  const startedAt = new Date(request.clock.now()).toISOString();
  const reviews = new Map<NodeId, StackReview>();
  const deployed = new Map<NodeId, DeployedStack>();
  const deployedStates: { stack: DeployedStack; body?: string }[] = [];
  const created: { stack: string; id: string }[] = [];
  const sources: InputSources = { env: request.env, cfn: request.cfn, context: request.context, certificateOutputs: async () => request.certificate.outputs };
  const reviewOne = async (node: StackId): Promise<StackReview> => {
    try {
      return await reviewStack(request, sources, node, reviews, deployed, created, deployedStates);
    } catch (error) {
      if (request.signal?.aborted) throw error;
      const stack = stackName(request.env, node);
      // A change set left half-reviewed would only confuse the next reader.
      for (const c of created.filter((c) => c.stack === stack)) await request.cfn.deleteChangeSet(c.stack, c.id).catch(() => undefined);
      return { node, stack, notes: [], lowerings: [], kind: "failed", reason: (error as Error)?.message ?? String(error) };
    }
  };
  try {
    for (const layer of layers(buildGraph(STACKS))) {
      const stacks = layer.filter((node): node is StackId => node !== "certificate" && (!request.only || request.only.includes(node)));
      const done = await Promise.allSettled(stacks.map(async (node) => reviews.set(node, await reviewOne(node))));
      const interrupted = done.find((d) => d.status === "rejected");
      if (interrupted) throw interrupted.reason;
    }
  } catch (error) {
    if (!request.signal?.aborted) throw error;
    // An interrupted review leaves nothing half-made behind.
    await Promise.all(created.map((c) => request.cfn.deleteChangeSet(c.stack, c.id).catch(() => undefined)));
  }
  const stacks = STACKS.map((s) => reviews.get(s.id)).filter((r): r is StackReview => r !== undefined);
  return {
    environment: request.env.name,
    region: request.env.region,
    changeSetName: request.changeSetName,
    createdAt: startedAt,
    certificate: request.certificate.description,
    stacks,
    warnings: stacks.flatMap((s) => (s.kind === "changes" ? dangerWarnings(s.stack, s.changes) : [])),
    loweringNeedsOptIn: stacks.some((s) => s.lowerings.length > 0) && retainsData(request.env, deployedStates),
    interrupted: Boolean(request.signal?.aborted),
  };
}

async function reviewStack(
  request: ReviewRequest,
  sources: InputSources,
  node: StackId,
  upstream: ReadonlyMap<NodeId, StackReview>,
  deployedStacks: Map<NodeId, DeployedStack>,
  created: { stack: string; id: string }[],
  deployedStates: { stack: DeployedStack; body?: string }[],
): Promise<StackReview> {
  const definition = stackDefinition(node);
  const base: StackReviewBase = { node, stack: stackName(request.env, node), notes: [], lowerings: [] };
  const template = synthesize(definition, request.env);
  const current = await request.cfn.describeStack(base.stack);
  if (!current || isEmptyReview(current.status) || isFailedFirstCreate(current.status)) {
    if (current && isFailedFirstCreate(current.status)) base.notes.push("ROLLBACK_COMPLETE after a failed first create: deploy deletes the empty stack and creates it again");
    base.notes.push(...upstreamNotes(request, definition, upstream, "new"));
    return { ...base, kind: "new", ...resourceCount(template) };
  }
  deployedStacks.set(node, current);
  const refusal = stateRefusal(current);
  if (refusal) return { ...base, kind: "blocked", reason: refusal };
  const missing = missingUpstream(request, definition, upstream);
  if (missing) return { ...base, kind: "blocked", reason: missing };
  base.notes.push(...upstreamNotes(request, definition, upstream, "existing"));
  if (current.terminationProtection !== request.env.terminationProtection) {
    base.notes.push(`deploy also ${request.env.terminationProtection ? "enables" : "disables"} termination protection`);
  }

  const known = new Map<NodeId, NodeResult>([...deployedStacks].map(([id, s]) => [id, { kind: "unchanged", outputs: s.outputs, durationMs: 0 }]));
  const parameters = await resolveInputs(sources, definition, known);
  if (typeof parameters === "string") return { ...base, kind: "blocked", reason: parameters };
  const deployedBody = await request.cfn.templateBody(base.stack);
  deployedStates.push({ stack: current, body: deployedBody });
  base.lowerings.push(
    ...protectionLowerings(
      definition,
      base.stack,
      deployedProtection(deployedBody, current.terminationProtection),
      { template, terminationProtection: request.env.terminationProtection },
    ),
  );
  if (matchesDeployed(current, deployedBody, { template, parameters, tags: stackTags(request.env) })) return { ...base, kind: "unchanged" };

  let drift: Awaited<ReturnType<typeof stackDrift>> | undefined;
  if (request.drift) {
    request.progress?.(node, "detecting drift");
    drift = await stackDrift({ ...request, drift: request.drift }, current);
    if (drift.note) base.notes.push(drift.note);
  }
  request.progress?.(node, "creating change set");
  const outcome = await createReviewChangeSet(request, base.stack, template, parameters, created);
  if (outcome.validation?.unreadable) base.notes.push(outcome.validation.unreadable);
  const validated: StackReviewBase = { ...base, validation: outcome.validation?.findings.length ? outcome.validation.findings : undefined };
  if ("reason" in outcome) return outcome.unchanged ? { ...validated, kind: "unchanged" } : { ...validated, kind: "failed", reason: outcome.reason };
  // A YAML or hand-edited deployed template parses to undefined: shown without property details.
  const deployedTemplate = parseTemplate(deployedBody);
  const rows = changeRows(outcome.changes, { definition, desired: template, deployed: deployedTemplate });
  const content = reviewContent({
    changes: outcome.changes,
    lowerings: base.lowerings,
    deployed: { template: deployedTemplate, parameters: current.parameters },
    desired: { template, parameters },
    imageTag: request.imageTag,
  });
  return {
    ...validated,
    overwritesDrift: drift && overwrittenDrift(rows, drift.drift),
    kind: "changes",
    changeSetName: request.changeSetName,
    changeSetId: outcome.id,
    changes: rows,
    ...content,
  };
}

function resourceCount(template: Template): { resources: number; resourceTypes: Record<string, number> } {
  const resourceTypes: Record<string, number> = {};
  for (const resource of Object.values(template.Resources)) resourceTypes[resource.Type] = (resourceTypes[resource.Type] ?? 0) + 1;
  return { resources: Object.keys(template.Resources).length, resourceTypes };
}

/** States in which deploy would wait, recover or refuse: a change set now would describe the wrong starting point. */
function stateRefusal(current: DeployedStack): string | undefined {
  if (isInProgress(current.status)) return `${current.status}: another operation is running; review again once it has finished`;
  if (needsManualRecovery(current.status)) return `${current.status}: ${recoveryStep(current.name, current.status)}`;
  if (!isUpdatable(current.status) && !isFailedWithoutRollback(current.status)) return `${current.status}: CloudFormation accepts no change set in this state`;
  return undefined;
}

const producersOf = (definition: StackDefinition) => [...new Set(Object.values(definition.inputs).map((i) => i.from))];

/** An existing stack whose inputs cannot be known: an upstream stack or the certificate does not exist yet. */
function missingUpstream(request: ReviewRequest, definition: StackDefinition, upstream: ReadonlyMap<NodeId, StackReview>): string | undefined {
  for (const producer of producersOf(definition)) {
    if (producer === "certificate" && !request.certificate.outputs) {
      return `its inputs include the certificate, which is not issued yet (${request.certificate.description}); review again once deploy has had it issued`;
    }
    const review = producer === "context" || producer === "certificate" ? undefined : upstream.get(producer);
    if (review?.kind === "new") {
      return `its inputs come from ${review.stack}, which does not exist yet: they are known only once deploy has created it; review again after that`;
    }
  }
  return undefined;
}

function upstreamNotes(request: ReviewRequest, definition: StackDefinition, upstream: ReadonlyMap<NodeId, StackReview>, self: "new" | "existing"): string[] {
  const notes: string[] = [];
  for (const producer of producersOf(definition)) {
    if (producer === "context" || producer === "certificate") continue;
    const review = upstream.get(producer);
    if (!review || review.kind === "unchanged") continue;
    if (self === "existing" && review.kind !== "new") {
      notes.push(`computed with today's outputs of ${review.stack}, which ${review.kind === "changes" ? "changes in this review" : `could not be reviewed (${review.kind})`}: if its outputs change, deploy passes the new values and this change set no longer applies`);
    } else if (self === "new") {
      notes.push(`its inputs come from ${review.stack}${review.kind === "new" ? ", which is new too" : ""}`);
    }
  }
  if (self === "new" && producersOf(definition).includes("certificate") && !request.certificate.outputs) notes.push("the certificate is requested by deploy first");
  return notes;
}

type ChangeSetOutcome = ({ id: string; changes: Change[] } | { reason: string; unchanged: boolean }) & { validation?: ChangeSetValidation };

async function createReviewChangeSet(
  request: ReviewRequest,
  name: string,
  template: Template,
  parameters: Record<string, string>,
  created: { stack: string; id: string }[],
): Promise<ChangeSetOutcome> {
  const body = JSON.stringify(template);
  if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) {
    return { reason: `template is ${Buffer.byteLength(body)} bytes, over the ${TEMPLATE_BODY_LIMIT}-byte TemplateBody limit`, unchanged: false };
  }
  const { changeSetId } = await request.cfn.createChangeSet({
    stackName: name,
    changeSetName: request.changeSetName,
    type: "UPDATE",
    template: { body },
    parameters,
    tags: stackTags(request.env),
    capabilities: requiredCapabilities(template),
    // What the review was made from, so `deploy --changeset` executes exactly it with no other flag.
    description: reviewDescription(request.changeSetName, {
      imageTag: request.imageTag,
      imageUri: request.context.ImageUri ?? "",
      environment: environmentFingerprint(request.env),
    }),
  });
  created.push({ stack: name, id: changeSetId });
  const state = await waitForChangeSet(request, name, changeSetId);
  const unchanged = state.status === "FAILED" && isNoChangeReason(state.reason);
  const validation = unchanged ? undefined : await readValidation(request, name, changeSetId);
  if (state.status !== "FAILED") return { id: changeSetId, changes: state.changes, validation };
  // Neither an empty nor a failed change set is worth keeping for review.
  await request.cfn.deleteChangeSet(name, changeSetId);
  const why = validation && blocking(validation).length > 0 ? `${VALIDATION_FAILED}; it was deleted` : `change set failed: ${state.reason ?? "no reason given"}`;
  return { reason: why, unchanged, validation };
}

/** `changeset --discard [NAME]`: deletes the change sets reviews made (only NAME's, when given). */
export async function discardReviews(cfn: CloudFormationApi, env: Environment, only?: string): Promise<{ stack: string; changeSetName: string }[]> {
  const removed: { stack: string; changeSetName: string }[] = [];
  for (const { id } of STACKS) {
    const name = stackName(env, id);
    const sets = await cfn.listChangeSets(name).catch((error: unknown) => {
      if (isStackMissing(error)) return [];
      throw error;
    });
    // By name, also a deploy's unexecuted change sets: the step that clears what a killed deploy left (live-runs.ts).
    for (const set of sets.filter((s) => (s.description?.startsWith(`${REVIEW_MARKER} `) || (only !== undefined && isUnexecutedDeploy(s))) && (!only || s.name === only))) {
      await cfn.deleteChangeSet(name, set.id);
      removed.push({ stack: name, changeSetName: set.name });
    }
  }
  return removed;
}
