/** The fake's record of a CloudFormation stack, its resources, events and change sets. */
import type { RecordedValidation } from "./early-validation.js";
import type { ChangeSetStatus, ExecutionStatus, ResourceStatus, StackStatus } from "@aws-sdk/client-cloudformation";
import type { DesiredStack, PlannedChange } from "./change-sets.js";
import type { ParsedTemplate, TemplateResource } from "./template.js";

export interface ResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  status: ResourceStatus;
  reason?: string | undefined;
  updatedAt: number;
  definition: TemplateResource;
  generation: number;
}

export interface StackEventRecord {
  eventId: string;
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
  reason?: string | undefined;
  at: number;
  token?: string | undefined;
}

export interface OutputRecord {
  key: string;
  value: string;
  description?: string | undefined;
  exportName?: string | undefined;
}

export interface ChangeSetRecord {
  name: string;
  id: string;
  stackId: string;
  stackName: string;
  type: "CREATE" | "UPDATE";
  description?: string | undefined;
  createdAt: number;
  /** When CloudFormation finishes computing it; until then it is CREATE_PENDING / CREATE_IN_PROGRESS. */
  readyAt: number;
  /** What it settles to at `readyAt`. */
  outcome: { status: "CREATE_COMPLETE" } | { status: "FAILED"; reason: string };
  status: ChangeSetStatus;
  statusReason?: string | undefined;
  executionStatus: ExecutionStatus;
  desired: DesiredStack;
  plan: PlannedChange[];
  disableRollback: boolean;
  /** What pre-deployment validation found while computing it (early-validation.ts). */
  validation?: RecordedValidation | undefined;
  /** CreateChangeSet's DeploymentMode: REVERT_DRIFT makes a drift-aware change set (drift.ts). */
  deploymentMode?: string | undefined;
  /** CreateChangeSet's DeploymentConfig (express.ts): EXPRESS completes resources once configured. */
  deploymentConfig?: { mode: "STANDARD" | "EXPRESS"; disableRollback: boolean } | undefined;
}

/** What an update rollback still has to do; kept when it fails so ContinueUpdateRollback can resume. */
export interface PendingRollback {
  reverts: { logicalId: string; before: ResourceRecord }[];
  removals: ResourceRecord[];
}

export interface Step {
  afterMs: number;
  /** A number: the step is not done yet (CloudFormation still waits on the resource); run it again that much later. */
  run(at: number): void | number;
}

/** A stack operation unfolding in virtual time: steps run lazily when a caller looks and the clock has passed them. */
export class Operation {
  queue: Step[] = [];
  finished = false;

  constructor(
    public lastAt: number,
    readonly token: string | undefined,
    private readonly onFinish: (succeeded: boolean) => void,
  ) {}

  then(afterMs: number, run: (at: number) => void | number): this {
    this.queue.push({ afterMs, run });
    return this;
  }

  /** A failure changes the plan: what was still to come is dropped. */
  abandon(): void {
    this.queue = [];
  }

  finish(succeeded: boolean): void {
    this.queue = [];
    this.finished = true;
    this.onFinish(succeeded);
  }
}

export interface StackRecord {
  name: string;
  id: string;
  region: string;
  status: StackStatus;
  reason?: string | undefined;
  templateBody: string;
  template: ParsedTemplate;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  capabilities: string[];
  outputs: OutputRecord[];
  terminationProtection: boolean;
  createdAt: number;
  updatedAt?: number | undefined;
  deletedAt?: number | undefined;
  /** Insertion order is creation order, which deletion reverses. */
  resources: Map<string, ResourceRecord>;
  /**
   * What the stack's own deletion has already removed (DELETE_COMPLETE) or left behind (DELETE_SKIPPED).
   * ListStackResources "returns descriptions of all resources of the specified stack" with those statuses
   * among its ResourceStatus values, so a stack whose deletion failed still lists them (AWS CloudFormation
   * API Reference, ListStackResources / StackResourceSummary).
   */
  deletedResources?: ResourceRecord[];
  /** Oldest first. */
  events: StackEventRecord[];
  changeSets: Map<string, ChangeSetRecord>;
  lastChangeSetId?: string | undefined;
  operation?: Operation | undefined;
  pendingRollback?: PendingRollback | undefined;
  /** The deployment configuration of the stack's latest operation, as DescribeStacks reports it (express.ts). */
  deploymentConfig?: { mode: "STANDARD" | "EXPRESS"; disableRollback: boolean } | undefined;
  /**
   * Set when an operation failed with rollback disabled (CREATE_FAILED / UPDATE_FAILED): the parameters of the
   * last stable state, so the next update retries what failed or was never reached (express.ts).
   */
  resumeFrom?: { parameters: Record<string, string> } | undefined;
}

export function advanceOperation(stack: StackRecord, now: number): void {
  const op = stack.operation;
  if (!op) return;
  while (stack.operation === op && op.queue.length > 0) {
    const at = op.lastAt + op.queue[0]!.afterMs;
    if (at > now) break;
    const step = op.queue.shift()!;
    op.lastAt = at;
    const again = step.run(at);
    if (typeof again === "number" && stack.operation === op && !op.finished) op.queue.unshift({ afterMs: again, run: step.run });
  }
  if (stack.operation === op && (op.finished || op.queue.length === 0)) stack.operation = undefined;
}

export const EMPTY_TEMPLATE: ParsedTemplate = { Parameters: {}, Conditions: {}, Mappings: {}, Resources: {}, Outputs: {} };

/**
 * Statuses from which a stack accepts an update. CREATE_FAILED and UPDATE_FAILED are what an operation with
 * rollback disabled leaves: "CloudFormation preserves the state of resources that were successfully created and
 * leaves the failed ones in a failed state until the next update operation is performed" (CloudFormation User
 * Guide, "Choose how to handle failures when provisioning resources").
 */
export const UPDATABLE: readonly string[] = ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_FAILED"];
