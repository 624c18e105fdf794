/**
 * The building blocks of stack operations: stack and resource events, status changes, and the
 * two steps (in progress, then done) each resource deletion takes.
 */
import type { ResourceStatus, StackStatus } from "@aws-sdk/client-cloudformation";
import type { DesiredStack } from "./change-sets.js";
import { Operation, type OutputRecord, type ResourceRecord, type StackRecord } from "./stack-state.js";
import type { TemplateResource } from "./template.js";

/** Virtual gap between consecutive events, so timestamps are distinct and ordered. */
export const EVENT_GAP_MS = 100;

/** How often CloudFormation checks again whether a resource it waits for has stabilised (an ECS service). */
export const STABILIZATION_POLL_MS = 15_000;

/** How CloudFormation's wait for a resource to stabilise stands. */
export type Stabilization = { state: "stable" } | { state: "waiting" } | { state: "failed"; reason: string };

/** What operations need from the rest of the fake cloud. */
export interface OperationHost {
  /** How long the resource takes; in express mode only until its configuration is applied (express.ts). */
  resourceMs(type: string, express?: boolean): number;
  takeFailure(stackName: string, logicalId: string, operation: "create" | "update" | "delete"): string | undefined;
  takeRollbackFailure(stackName: string): boolean;
  /** Why this DeleteStack fails for the stack as a whole (not for one of its resources), if it does. */
  takeStackDeletionFailure(stackName: string): string | undefined;
  physicalIdFor(stack: StackRecord, logicalId: string, definition: TemplateResource, generation: number): string;
  resolveOutputs(stack: StackRecord): OutputRecord[];
  exportConflict(stack: StackRecord, outputs: OutputRecord[]): string | undefined;
  resourceCreated(stack: StackRecord, resource: ResourceRecord): void;
  /** CloudFormation has called the resource's create or update API (ECS CreateService / UpdateService) at `at`. */
  resourceStarted(stack: StackRecord, resource: ResourceRecord, action: "create" | "update", at: number): void;
  /** Whether the resource has stabilised at `at` (an ECS service's deployment completed), as CloudFormation waits for it. */
  stabilization(stack: StackRecord, resource: ResourceRecord, at: number): Stabilization;
  /** An update rollback put the resource back as it was (an ECS service returns to its task definition). */
  resourceReverted(stack: StackRecord, resource: ResourceRecord, at: number): void;
  /** Why deleting this resource fails right now (e.g. a non-empty bucket), if it does. */
  deletionBlocker(stack: StackRecord, resource: ResourceRecord): string | undefined;
  resourceDeleted(stack: StackRecord, resource: ResourceRecord): void;
  resourceRetained(stack: StackRecord, resource: ResourceRecord): void;
  stackDeleted(stack: StackRecord): void;
  eventId(): string;
  now(): number;
}

export interface RunOptions {
  token?: string | undefined;
  disableRollback?: boolean | undefined;
  /** DeploymentConfig Mode EXPRESS: resources complete once configured (express.ts). */
  express?: boolean | undefined;
  onFinish?: (succeeded: boolean) => void;
}

export class StackSteps {
  constructor(protected readonly host: OperationHost) {}

  setStatus(stack: StackRecord, at: number, status: StackStatus, reason?: string): void {
    stack.status = status;
    // After a rollback the stack keeps saying why it rolled back.
    stack.reason = reason ?? (status.includes("ROLLBACK") ? stack.reason : undefined);
    this.emit(stack, at, { logicalId: stack.name, physicalId: stack.id, type: "AWS::CloudFormation::Stack", status, reason });
  }

  protected begin(stack: StackRecord, options: RunOptions): Operation {
    const op = new Operation(this.host.now(), options.token, (ok) => options.onFinish?.(ok));
    stack.operation = op;
    return op;
  }

  /**
   * What a resource's create or update came to at `at`: a failure's reason; a number when CloudFormation still waits
   * for it to stabilise (check again that much later); undefined when it is done. In express mode CloudFormation
   * "considers a resource operation complete as soon as the API call to create, update, or delete the resource
   * succeeds" (User Guide, express mode): it neither waits for the service to stabilise nor sees it fail to.
   */
  protected outcome(stack: StackRecord, record: ResourceRecord, operation: "create" | "update", at: number, express = false): string | number | undefined {
    const injected = this.host.takeFailure(stack.name, record.logicalId, operation);
    if (injected !== undefined) return injected;
    if (express) return undefined;
    const stabilization = this.host.stabilization(stack, record, at);
    if (stabilization.state === "waiting") return STABILIZATION_POLL_MS;
    return stabilization.state === "failed" ? stabilization.reason : undefined;
  }

  protected deleteSteps(
    stack: StackRecord,
    op: Operation,
    record: ResourceRecord,
    how: { rollback: boolean; retain?: boolean; onFailed?: (at: number) => void; listedAfter?: boolean },
  ): void {
    op.then(EVENT_GAP_MS, (at) => this.settleResource(stack, record, "DELETE_IN_PROGRESS", at));
    op.then(Math.ceil(this.host.resourceMs(record.type) / 2), (at) => {
      const policy = record.definition.DeletionPolicy;
      if (how.retain || policy === "Retain" || (policy === "RetainExceptOnCreate" && !how.rollback)) {
        this.settleResource(stack, record, "DELETE_SKIPPED", at);
        this.forget(stack, record, how.listedAfter);
        this.host.resourceRetained(stack, record);
        return;
      }
      const reason = how.rollback
        ? this.host.takeRollbackFailure(stack.name)
          ? `Resource handler returned message: "Deletion of ${record.logicalId} failed during rollback (injected by FakeCloud.failRollback)"`
          : this.host.deletionBlocker(stack, record)
        : (this.host.takeFailure(stack.name, record.logicalId, "delete") ?? this.host.deletionBlocker(stack, record));
      if (reason !== undefined) {
        this.settleResource(stack, record, "DELETE_FAILED", at, reason);
        how.onFailed?.(at);
        return;
      }
      this.settleResource(stack, record, "DELETE_COMPLETE", at);
      this.forget(stack, record, how.listedAfter);
      this.host.resourceDeleted(stack, record);
    });
  }

  /** Out of the live resources; `listedAfter` keeps it in ListStackResources' answer (a stack deletion's). */
  protected forget(stack: StackRecord, record: ResourceRecord, listedAfter = false): void {
    if (stack.resources.get(record.logicalId) === record) stack.resources.delete(record.logicalId);
    if (listedAfter) (stack.deletedResources ??= []).push(record);
  }

  protected startResource(stack: StackRecord, logicalId: string, definition: TemplateResource, status: ResourceStatus, at: number, reason?: string): ResourceRecord {
    const record: ResourceRecord = {
      logicalId,
      type: definition.Type,
      physicalId: this.host.physicalIdFor(stack, logicalId, definition, 0),
      status,
      reason,
      updatedAt: at,
      definition,
      generation: 0,
    };
    stack.resources.set(logicalId, record);
    this.emit(stack, at, { logicalId, physicalId: record.physicalId, type: record.type, status, reason });
    return record;
  }

  protected settleResource(stack: StackRecord, record: ResourceRecord, status: ResourceStatus, at: number, reason?: string): void {
    Object.assign(record, { status, reason, updatedAt: at });
    this.emit(stack, at, { logicalId: record.logicalId, physicalId: record.physicalId, type: record.type, status, reason });
  }

  protected emit(stack: StackRecord, at: number, event: { logicalId: string; physicalId: string; type: string; status: string; reason?: string | undefined }): void {
    stack.events.push({ eventId: this.host.eventId(), ...event, at, token: stack.operation?.token });
  }
}

export function applyDesired(stack: StackRecord, desired: DesiredStack): void {
  Object.assign(stack, {
    templateBody: desired.templateBody,
    template: desired.template,
    parameters: { ...desired.parameters },
    tags: { ...desired.tags },
    capabilities: [...desired.capabilities],
  });
}

export function snapshot(stack: StackRecord): DesiredStack {
  return {
    templateBody: stack.templateBody,
    template: stack.template,
    parameters: { ...stack.parameters },
    tags: { ...stack.tags },
    capabilities: [...stack.capabilities],
  };
}
