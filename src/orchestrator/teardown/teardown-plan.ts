/**
 * What a teardown would remove and what it leaves behind, read before anything is touched so a
 * person can confirm it. Only read calls here.
 *
 * Everything is decided from the DEPLOYED stack: its live resources and its deployed template's
 * DeletionPolicy, which is what CloudFormation itself will act on. Never from the local template or
 * today's config: either may have moved on since the deploy (a prod config edited to retainData: false
 * does not make prod's bucket deletable). A read that fails, or a template that cannot be understood,
 * stops the teardown before anything is destroyed (TeardownReadError): nothing is emptied on a guess.
 */
import type { CloudFormationApi, StackResourceSummary } from "../../aws/cloudformation.js";
import type { VersionCount } from "../../aws/s3.js";
import { stackName, type Environment, type StackId } from "../../env/model.js";
import { isComputed, type Resource, type Template } from "../../templates/cfn.js";
import { STACKS } from "../../templates/index.js";
import { synthesize, type StackDefinition } from "../../templates/stack.js";
import { isRetainPolicy, parseTemplate, retainedResource, type ExistingResource, type RetainedResource } from "./teardown-retained.js";

// Imported from here by the review; they live with the rest of the retention logic.
export { deleteCommand, isRetainPolicy, parseTemplate, type RetainedResource } from "./teardown-retained.js";

export interface BucketToEmpty {
  readonly bucket: string;
  /** Object versions and delete markers in it when the plan was made. */
  readonly versions: VersionCount;
}

/** A stack the plan found not deployed: nothing of it is deleted. */
export interface AbsentStack {
  readonly node: StackId;
  readonly name: string;
  readonly status?: undefined;
}

export interface PlannedStack {
  readonly node: StackId;
  readonly name: string;
  readonly status: string;
  /** Live resources: what the stack still holds, without those a failed deletion already removed or skipped. */
  readonly resources: number;
  /** Live resources its deletion removes: all but the retained ones. */
  readonly deletes: number;
  readonly terminationProtection: boolean;
  /** Buckets CloudFormation will try to delete, which it can only do once they are empty. */
  readonly bucketsToEmpty: readonly BucketToEmpty[];
  /** Load balancers with deletion protection on (prod's): CloudFormation cannot delete them until it is lifted. */
  readonly protectedLoadBalancers: readonly string[];
}

export interface TeardownPlan {
  readonly stacks: readonly (PlannedStack | AbsentStack)[];
  /** The certificate as the ACM lookup describes it; undefined when there is none. */
  readonly certificateDescription?: string;
  /** What the deployed templates keep (DeletionPolicy Retain), per stack. */
  readonly retained: readonly RetainedResource[];
  /** Stacks already gone whose templates retain resources: those may still exist from an earlier teardown. */
  readonly possiblyLeftBehind: readonly string[];
}

/** The reads a plan needs. */
export interface PlanReaders {
  readonly cfn: CloudFormationApi;
  readonly countVersions: (bucket: string) => Promise<VersionCount>;
}

export interface FailedRead {
  /** The AWS operation, e.g. "GetTemplate", or what could not be understood. */
  readonly operation: string;
  readonly stack: string;
  readonly cause: unknown;
}

/** A read the plan needs failed: teardown cannot tell what it would delete, so it deletes nothing. */
export class TeardownReadError extends Error {
  constructor(readonly failures: readonly FailedRead[]) {
    super(`cannot read what teardown would delete or keep (${failures.map((f) => `${f.operation} of ${f.stack}`).join(", ")}); nothing was deleted`);
  }
}


const LIVE_ENDED = new Set(["DELETE_COMPLETE", "DELETE_SKIPPED"]);
/** ListStackResources also lists what a failed deletion already removed or skipped: those are not there to delete. */
const isLive = (resource: StackResourceSummary) => !LIVE_ENDED.has(resource.status);

export async function planTeardown(env: Environment, readers: PlanReaders, certificateDescription: string | undefined): Promise<TeardownPlan> {
  // Every stack is read even when one fails, so the error names every read that needs fixing at once.
  const settled = await Promise.allSettled(STACKS.map((definition) => planStack(env, readers, definition)));
  const rejected = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  // Anything else is a bug here, not a read: it goes up as itself.
  const unexpected = rejected.find((reason) => !(reason instanceof TeardownReadError));
  if (unexpected) throw unexpected;
  if (rejected.length > 0) throw new TeardownReadError(rejected.flatMap((reason) => (reason as TeardownReadError).failures));
  const stacks = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof planStack>>>).value);
  return {
    stacks: stacks.map((s) => s.planned),
    certificateDescription,
    retained: stacks.flatMap((s) => s.retained),
    possiblyLeftBehind: stacks.filter((s) => s.leftBehind).map((s) => s.planned.name),
  };
}

/** One read, named after its AWS operation and stack if it fails. */
async function read<T>(operation: string, stack: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new TeardownReadError([{ operation, stack, cause }]);
  }
}

async function planStack(env: Environment, readers: PlanReaders, definition: StackDefinition) {
  const name = stackName(env, definition.id);
  const deployed = await read("DescribeStacks", name, () => readers.cfn.describeStack(name));
  if (!deployed) {
    const planned: AbsentStack = { node: definition.id, name };
    // Informational only (nothing is deleted for it): what an earlier teardown may have left behind.
    const local = synthesize(definition, env);
    return { planned, retained: [], leftBehind: Object.values(local.Resources).some((r) => isRetainPolicy(r.DeletionPolicy)) };
  }
  const [listed, template] = await Promise.all([
    read("ListStackResources", name, () => readers.cfn.listStackResources(name)),
    read("GetTemplate", name, () => readers.cfn.templateBody(name)).then((body) => understood(parseTemplate(body), name)),
  ]);
  const live = listed.filter(isLive);
  const decided = decide(template, live);
  // Only what the stack holds or held: a retained resource never created (its Condition false, its create failed) leaves nothing behind.
  const retained = decided.retainedIds
    .flatMap((id) => listed.filter((r): r is ExistingResource => r.logicalId === id && r.physicalId !== undefined))
    .map((r) => retainedResource({ node: definition.id, stack: name }, r, env.region));
  const bucketsToEmpty = await Promise.all(
    decided.bucketsToEmpty.map(async (bucket) => ({ bucket, versions: await read("ListObjectVersions", `s3://${bucket} (${name})`, () => readers.countVersions(bucket)) })),
  );
  const planned: PlannedStack = {
    node: definition.id,
    name,
    status: deployed.status,
    resources: live.length,
    deletes: live.filter((r) => !decided.retainedIds.includes(r.logicalId)).length,
    terminationProtection: deployed.terminationProtection,
    bucketsToEmpty,
    protectedLoadBalancers: decided.protectedLoadBalancers,
  };
  return { planned, retained, leftBehind: false };
}

/** The deployed template, when this plan can evaluate it; otherwise the read fails, saying why. */
function understood(template: Template | undefined, stack: string): Template {
  const why = template ? computedValue(template) : "it is not JSON with Resources (YAML, or edited outside this tool?)";
  if (why) throw new TeardownReadError([{ operation: "reading the deployed template", stack, cause: new Error(`${why}, so what teardown would keep or unprotect cannot be known`) }]);
  return template!;
}

/**
 * What the plan would have to evaluate itself: a DeletionPolicy given by an intrinsic function (allowed with the
 * AWS::LanguageExtensions transform, returned unresolved by GetTemplate's Original stage) or computed load balancer attributes.
 */
function computedValue(template: Template): string | undefined {
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (isComputed(resource.DeletionPolicy)) return `the DeletionPolicy of ${id} is computed by an intrinsic function`;
    if (isComputed(resource.Properties?.LoadBalancerAttributes)) return `the LoadBalancerAttributes of ${id} are computed by an intrinsic function`;
  }
  return undefined;
}

/**
 * The one judgment: from the deployed template and the live resources, what is kept, which buckets must
 * be emptied for CloudFormation to delete them, which load balancers' protection must be lifted.
 * A bucket is emptied only when the deployed template has it with a DeletionPolicy that deletes it.
 */
function decide(template: Template, live: readonly StackResourceSummary[]) {
  const retainedIds = Object.keys(template.Resources).filter((id) => isRetainPolicy(template.Resources[id]!.DeletionPolicy));
  // A resource the deployed template does not declare has a DeletionPolicy nobody can know: it is not touched.
  const deletedWithStack = live.filter(
    (r): r is ExistingResource => r.physicalId !== undefined && template.Resources[r.logicalId] !== undefined && !retainedIds.includes(r.logicalId),
  );
  const bucketsToEmpty = deletedWithStack.filter((r) => r.type === "AWS::S3::Bucket").map((r) => r.physicalId);
  // Only a load balancer's attribute is lifted: a custom resource may carry a look-alike property its provider reads.
  const protectedLoadBalancers = deletedWithStack
    .filter((r) => r.type === "AWS::ElasticLoadBalancingV2::LoadBalancer" && hasDeletionProtection(template.Resources[r.logicalId]!))
    .map((r) => r.physicalId);
  return { retainedIds, bucketsToEmpty, protectedLoadBalancers };
}

/** On, or computed by an intrinsic and so possibly on: lifting a protection that was off costs nothing. */
function hasDeletionProtection(resource: Resource): boolean {
  const attributes = (resource.Properties?.LoadBalancerAttributes ?? []) as { Key?: string; Value?: unknown }[];
  return attributes.some((a) => a.Key === "deletion_protection.enabled" && (a.Value === "true" || isComputed(a.Value)));
}
