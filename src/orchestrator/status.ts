/**
 * `status <env>`: where each stack stands, optionally whether its resources drifted from the
 * template, the certificate and the API URL. Read-only except for drift detection, which
 * CloudFormation runs as an operation of its own but which changes no resource.
 */
import type { CloudFormationApi, DeployedStack } from "../aws/cloudformation.js";
import type { StackDriftApi } from "../aws/cloudformation-drift.js";
import { apiUrl, stackName, type Environment, type StackId } from "../env/model.js";
import { STACKS } from "../templates/index.js";
import { sleepUnlessAborted, type Clock } from "./clock.js";
import { isInProgress } from "./stack-status.js";
import { REVIEW_MARKER } from "./review/review-record.js";

export interface DriftState {
  /** IN_SYNC, DRIFTED, UNKNOWN, or why it could not be checked. */
  readonly status: string;
  readonly resources: readonly { logicalId: string; type: string; status: string }[];
}

export interface StackState {
  readonly node: StackId;
  readonly stack: string;
  /** NOT_DEPLOYED when the stack does not exist. */
  readonly status: string;
  readonly statusReason?: string;
  readonly lastUpdated?: string;
  readonly terminationProtection: boolean;
  readonly outputs: Record<string, string>;
  readonly drift?: DriftState;
  /** Change sets `changeset` kept on this stack for review, oldest first. */
  readonly reviews?: readonly KeptReview[];
  /** The backend's service runs another task definition than the stack's (a hotswap), in words. */
  readonly serviceDrift?: string;
}

export interface KeptReview {
  readonly name: string;
  readonly created?: string;
  /** How long ago CloudFormation made it, by our clock; undefined when AWS gave no time. */
  readonly ageMs?: number;
}

export interface EnvironmentStatus {
  readonly environment: string;
  readonly region: string;
  readonly stacks: readonly StackState[];
  readonly certificate: string;
  /** The domain stack's ApiUrl output; undefined until it is deployed. */
  readonly apiUrl?: string;
  readonly expectedApiUrl: string;
}

export interface StatusRequest {
  readonly env: Environment;
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Given when drift was asked for (`--drift`). */
  readonly drift?: StackDriftApi;
  /** The certificate's state in words, from the ACM lookup. */
  readonly certificate: () => Promise<string>;
  /** Whether the backend's service runs what its stack declares (hotswap/drift.ts), from the stack's outputs. */
  readonly serviceDrift?: (backendOutputs: Record<string, string>) => Promise<string | undefined>;
}

const DRIFT_TIMEOUT_MS = 10 * 60_000;

export async function environmentStatus(request: StatusRequest): Promise<EnvironmentStatus> {
  const [stacks, certificate] = await Promise.all([Promise.all(STACKS.map((s) => stackState(request, s.id))), request.certificate()]);
  return {
    environment: request.env.name,
    region: request.env.region,
    stacks,
    certificate,
    apiUrl: stacks.find((s) => s.node === "domain")?.outputs["ApiUrl"],
    expectedApiUrl: apiUrl(request.env),
  };
}

async function stackState(request: StatusRequest, node: StackId): Promise<StackState> {
  const name = stackName(request.env, node);
  const deployed = await request.cfn.describeStack(name);
  if (!deployed) return { node, stack: name, status: "NOT_DEPLOYED", terminationProtection: false, outputs: {} };
  return {
    node,
    stack: name,
    status: deployed.status,
    statusReason: deployed.statusReason,
    lastUpdated: deployed.lastUpdated?.toISOString(),
    terminationProtection: deployed.terminationProtection,
    outputs: deployed.outputs,
    drift: request.drift ? await detectStackDrift(request, request.drift, deployed) : undefined,
    reviews: await keptReviews(request, deployed.name),
    serviceDrift: node === "backend" ? await request.serviceDrift?.(deployed.outputs) : undefined,
  };
}

/** Reviews wait here until someone deploys or discards them; listing them keeps them from being forgotten. */
async function keptReviews(request: StatusRequest, stack: string): Promise<KeptReview[]> {
  const sets = await request.cfn.listChangeSets(stack);
  return sets
    .filter((s) => s.description?.startsWith(`${REVIEW_MARKER} `))
    .sort((a, b) => (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0))
    .map((s) => ({ name: s.name, created: s.created?.toISOString(), ageMs: s.created ? Math.max(0, request.clock.now() - s.created.getTime()) : undefined }));
}

/** Runs drift detection on one stack and waits (bounded) for its verdict; also used by `changeset --drift`. */
export async function detectStackDrift(request: { clock: Clock; signal?: AbortSignal }, drift: StackDriftApi, deployed: DeployedStack): Promise<DriftState> {
  // CloudFormation refuses drift detection while the stack is changing.
  if (isInProgress(deployed.status)) return { status: `not checked: ${deployed.status}`, resources: [] };
  const detection = await drift.detectDrift(deployed.name);
  const deadline = request.clock.now() + DRIFT_TIMEOUT_MS;
  let delay = 2_000;
  for (;;) {
    await sleepUnlessAborted(request.clock, delay, request.signal);
    const state = await drift.driftDetection(detection);
    if (state.detectionStatus === "DETECTION_FAILED") return { status: `not checked: ${state.reason ?? "detection failed"}`, resources: [] };
    if (state.detectionStatus === "DETECTION_COMPLETE") {
      const status = state.stackDriftStatus ?? "UNKNOWN";
      return { status, resources: status === "DRIFTED" ? await drift.driftedResources(deployed.name) : [] };
    }
    if (request.clock.now() > deadline) return { status: `not checked: detection still running after ${DRIFT_TIMEOUT_MS / 60_000} min`, resources: [] };
    delay = Math.min(delay * 1.5, 10_000);
  }
}
