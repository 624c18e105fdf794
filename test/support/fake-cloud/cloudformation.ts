/**
 * CloudFormation's state: stacks (live and deleted), change sets, injected failures, and the
 * glue operations need. The SDK-facing commands live in cloudformation-api.ts.
 */
import { CloudFormationServiceException } from "@aws-sdk/client-cloudformation";
import { planChanges, type DesiredStack, type PlannedChange } from "./change-sets.js";
import { awsError } from "./errors.js";
import type { ValidationFindingSeed } from "./early-validation.js";
import type { DriftBook } from "./drift.js";
import { attributeOf, physicalIdFor, type ResourceIdentity } from "./resource-types.js";
import { advanceOperation, EMPTY_TEMPLATE, type ChangeSetRecord, type OutputRecord, type ResourceRecord, type StackRecord } from "./stack-state.js";
import { snapshot, StackOperations, type OperationHost } from "./stack-operations.js";
import type { Stabilization } from "./stack-steps.js";
import { resumeBase } from "./express.js";
import { Evaluator, type EvaluationScope } from "./evaluator.js";
import type { TemplateResource } from "./template.js";
import type { World } from "./world.js";

/** What happens elsewhere in the cloud when a stack creates or deletes certain resources. */
export interface ResourceHooks {
  created(resource: ResourceRecord, identity: ResourceIdentity): void;
  /** CloudFormation called the resource's create/update API at `at` (before it waits for the resource). */
  started(resource: ResourceRecord, identity: ResourceIdentity, action: "create" | "update", at: number): void;
  stabilization(resource: ResourceRecord, at: number): Stabilization;
  reverted(resource: ResourceRecord, at: number): void;
  /** The physical id another part of the cloud decides (a task definition's next revision), if it does. */
  physicalId(identity: ResourceIdentity): string | undefined;
  deletionBlocker(resource: ResourceRecord): string | undefined;
  deleted(resource: ResourceRecord): void;
}

export interface InjectedFailure {
  stack: string;
  logicalId: string;
  operation: "create" | "update" | "delete";
  reason: string;
  remaining: number;
}

export interface RetainedResource {
  stack: string;
  logicalId: string;
  type: string;
  physicalId: string;
}

export function validationError(message: string): Error {
  return awsError(CloudFormationServiceException, "ValidationError", message, { fields: { Code: "ValidationError", Type: "Sender" } });
}

export class FakeCloudFormation implements OperationHost {
  /** Live stacks by name (including REVIEW_IN_PROGRESS and failed ones). */
  readonly stacks = new Map<string, StackRecord>();
  /** Deleted stacks, still reachable by their ARN. */
  readonly deleted: StackRecord[] = [];
  readonly retained: RetainedResource[] = [];
  readonly failures: InjectedFailure[] = [];
  readonly rollbackFailures: { stack: string; remaining: number }[] = [];
  /** DeleteStack operations that fail for the stack as a whole (seeding.ts, failStackDeletion). */
  readonly stackDeletionFailures: { stack: string; reason: string; remaining: number }[] = [];
  /** Findings pre-deployment validation reports for change sets (early-validation.ts). */
  readonly validationFindings: ValidationFindingSeed[] = [];
  /** Resources changed outside CloudFormation, by stack id (drift.ts). */
  readonly drift: DriftBook = new Map();
  readonly operations = new StackOperations(this);
  private depth = 0;

  constructor(
    private readonly world: World,
    private readonly hooks: ResourceHooks,
  ) {}

  /** Brings every stack and change set up to the current virtual time. */
  settle(): void {
    const now = this.world.clock.now();
    for (const stack of [...this.stacks.values()]) {
      advanceOperation(stack, now);
      for (const cs of stack.changeSets.values()) refreshChangeSet(cs, now);
    }
  }

  /** A live stack by name or ARN, or a deleted one by ARN. */
  find(nameOrId: string): StackRecord | undefined {
    if (nameOrId.startsWith("arn:")) {
      return [...this.stacks.values()].find((s) => s.id === nameOrId) ?? this.deleted.find((s) => s.id === nameOrId);
    }
    return this.stacks.get(nameOrId);
  }

  findChangeSet(changeSetName: string, stackName: string | undefined): ChangeSetRecord | undefined {
    if (changeSetName.startsWith("arn:")) {
      for (const stack of this.stacks.values()) {
        for (const cs of stack.changeSets.values()) if (cs.id === changeSetName) return cs;
      }
      return undefined;
    }
    return stackName ? this.find(stackName)?.changeSets.get(changeSetName) : undefined;
  }

  newStack(name: string, region: string): StackRecord {
    const stack: StackRecord = {
      name,
      id: `arn:aws:cloudformation:${region}:${this.world.account}:stack/${name}/${this.world.ids.uuid("stack")}`,
      region,
      status: "REVIEW_IN_PROGRESS",
      templateBody: "",
      template: EMPTY_TEMPLATE,
      parameters: {},
      tags: {},
      capabilities: [],
      outputs: [],
      terminationProtection: false,
      createdAt: this.world.clock.now(),
      resources: new Map(),
      events: [],
      changeSets: new Map(),
    };
    this.stacks.set(name, stack);
    return stack;
  }

  /** Resources whose Condition holds for a desired state, in template order. */
  activeResources(stack: StackRecord, desired: DesiredStack): string[] {
    return new Evaluator(this.scope(stack, desired)).activeResources();
  }

  planFor(stack: StackRecord, desired: DesiredStack, fromScratch: boolean): { changes: PlannedChange[]; hasChanges: boolean } {
    const current = snapshot(stack);
    const physicalIds = new Map([...stack.resources].map(([id, r]) => [id, r.physicalId]));
    // A stack left CREATE_FAILED / UPDATE_FAILED (rollback disabled) is planned from what was really applied.
    const resumed = fromScratch ? undefined : resumeBase(stack, current);
    const before = fromScratch
      ? undefined
      : (resumed && { ...resumed, physicalIds }) ?? {
          desired: current,
          active: [...stack.resources.keys()].filter((id) => id in current.template.Resources),
          physicalIds,
        };
    return planChanges(before, { desired, active: this.activeResources(stack, desired) });
  }

  // ---- OperationHost ----

  now(): number {
    return this.world.clock.now();
  }

  eventId(): string {
    return this.world.ids.uuid("event");
  }

  resourceMs(type: string, express = false): number {
    return express ? this.world.timing.configuredMs(type) : this.world.timing.resourceMs(type);
  }

  takeFailure(stackName: string, logicalId: string, operation: "create" | "update" | "delete"): string | undefined {
    const failure = this.failures.find((f) => f.stack === stackName && f.logicalId === logicalId && f.operation === operation && f.remaining > 0);
    if (!failure) return undefined;
    failure.remaining -= 1;
    return failure.reason;
  }

  takeRollbackFailure(stackName: string): boolean {
    const failure = this.rollbackFailures.find((f) => f.stack === stackName && f.remaining > 0);
    if (!failure) return false;
    failure.remaining -= 1;
    return true;
  }

  takeStackDeletionFailure(stackName: string): string | undefined {
    const failure = this.stackDeletionFailures.find((f) => f.stack === stackName && f.remaining > 0);
    if (!failure) return undefined;
    failure.remaining -= 1;
    return failure.reason;
  }

  physicalIdFor(stack: StackRecord, logicalId: string, definition: TemplateResource, generation: number): string {
    const identity = this.identity(stack, snapshot(stack), logicalId, definition, generation);
    return this.hooks.physicalId(identity) ?? physicalIdFor(identity);
  }

  resolveOutputs(stack: StackRecord): OutputRecord[] {
    return new Evaluator(this.scope(stack, snapshot(stack))).outputs();
  }

  exportConflict(stack: StackRecord, outputs: OutputRecord[]): string | undefined {
    for (const output of outputs) {
      if (!output.exportName) continue;
      const other = [...this.stacks.values()].find((s) => s !== stack && s.outputs.some((o) => o.exportName === output.exportName));
      if (other) return `Export with name ${output.exportName} is already exported by stack ${other.name}`;
    }
    return undefined;
  }

  resourceCreated(stack: StackRecord, resource: ResourceRecord): void {
    this.hooks.created(resource, this.identity(stack, snapshot(stack), resource.logicalId, resource.definition, resource.generation));
  }

  resourceStarted(stack: StackRecord, resource: ResourceRecord, action: "create" | "update", at: number): void {
    this.hooks.started(resource, this.identity(stack, snapshot(stack), resource.logicalId, resource.definition, resource.generation), action, at);
  }

  stabilization(_stack: StackRecord, resource: ResourceRecord, at: number): Stabilization {
    return this.hooks.stabilization(resource, at);
  }

  resourceReverted(_stack: StackRecord, resource: ResourceRecord, at: number): void {
    this.hooks.reverted(resource, at);
  }

  deletionBlocker(_stack: StackRecord, resource: ResourceRecord): string | undefined {
    return this.hooks.deletionBlocker(resource);
  }

  resourceDeleted(_stack: StackRecord, resource: ResourceRecord): void {
    this.hooks.deleted(resource);
  }

  resourceRetained(stack: StackRecord, resource: ResourceRecord): void {
    this.retained.push({ stack: stack.name, logicalId: resource.logicalId, type: resource.type, physicalId: resource.physicalId });
  }

  stackDeleted(stack: StackRecord): void {
    if (this.stacks.get(stack.name) === stack) this.stacks.delete(stack.name);
    stack.changeSets.clear();
    this.deleted.push(stack);
  }

  // ---- evaluation ----

  scope(stack: StackRecord, desired: DesiredStack): EvaluationScope {
    const physicalOf = (logicalId: string) => {
      const existing = stack.resources.get(logicalId);
      if (existing) return existing.physicalId;
      const definition = desired.template.Resources[logicalId];
      return definition ? physicalIdFor(this.identity(stack, desired, logicalId, definition, 0)) : `${logicalId}-unknown`;
    };
    return {
      parameters: desired.parameters,
      template: desired.template,
      region: stack.region,
      account: this.world.account,
      stackName: stack.name,
      stackId: stack.id,
      ref: physicalOf,
      getAtt: (logicalId, attribute) => {
        const definition = desired.template.Resources[logicalId] ?? { Type: "Unknown::Unknown::Unknown" };
        const generation = stack.resources.get(logicalId)?.generation ?? 0;
        return attributeOf(this.identity(stack, desired, logicalId, definition, generation), physicalOf(logicalId), attribute);
      },
      importValue: (name) => {
        for (const other of this.stacks.values()) {
          const found = other.outputs.find((o) => o.exportName === name);
          if (found) return found.value;
        }
        return `unresolved-import-${name}`;
      },
    };
  }

  private identity(stack: StackRecord, desired: DesiredStack, logicalId: string, definition: TemplateResource, generation: number): ResourceIdentity {
    return {
      stackName: stack.name,
      logicalId,
      type: definition.Type,
      generation,
      region: stack.region,
      account: this.world.account,
      value: (name) => {
        const value = definition.Properties?.[name];
        return value === undefined ? undefined : new Evaluator(this.scope(stack, desired)).value(value);
      },
      property: (name) => {
        const value = definition.Properties?.[name];
        if (value === undefined) return undefined;
        // Names may refer to other resources' names; a cycle would be a template error anyway.
        if (this.depth > 20) return `${logicalId}-${name}`;
        this.depth += 1;
        try {
          return new Evaluator(this.scope(stack, desired)).string(value);
        } finally {
          this.depth -= 1;
        }
      },
    };
  }
}

function refreshChangeSet(cs: ChangeSetRecord, now: number): void {
  if (cs.status !== "CREATE_PENDING" && cs.status !== "CREATE_IN_PROGRESS") return;
  if (now >= cs.readyAt) {
    cs.status = cs.outcome.status;
    cs.statusReason = cs.outcome.status === "FAILED" ? cs.outcome.reason : undefined;
    cs.executionStatus = cs.outcome.status === "FAILED" ? "UNAVAILABLE" : "AVAILABLE";
  } else if (now >= cs.createdAt + (cs.readyAt - cs.createdAt) / 2) {
    cs.status = "CREATE_IN_PROGRESS";
  }
}
