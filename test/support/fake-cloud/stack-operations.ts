/**
 * How create, update, delete and their rollbacks unfold, event by event, as CloudFormation
 * reports them. Resources go one at a time in template order (real CloudFormation parallelises
 * along the dependency graph; the events a caller sees are the same kinds in a similar order).
 */
import type { StackStatus } from "@aws-sdk/client-cloudformation";
import type { DesiredStack, PlannedChange } from "./change-sets.js";
import type { Operation, PendingRollback, ResourceRecord, StackRecord } from "./stack-state.js";
import { applyDesired, EVENT_GAP_MS, snapshot, StackSteps, type RunOptions } from "./stack-steps.js";

export { applyDesired, snapshot, type OperationHost } from "./stack-steps.js";

type Applied = { change: PlannedChange; before?: ResourceRecord | undefined };

export class StackOperations extends StackSteps {
  create(stack: StackRecord, desired: DesiredStack, plan: PlannedChange[], options: RunOptions): void {
    const op = this.begin(stack, options);
    op.then(0, (at) => {
      applyDesired(stack, desired);
      this.setStatus(stack, at, "CREATE_IN_PROGRESS", "User Initiated");
    });
    const adds = plan.filter((c) => c.action === "Add");
    adds.forEach((change, index) => {
      let record: ResourceRecord;
      op.then(EVENT_GAP_MS, (at) => {
        record = this.startResource(stack, change.logicalId, desired.template.Resources[change.logicalId]!, "CREATE_IN_PROGRESS", at);
        this.host.resourceStarted(stack, record, "create", at);
      });
      op.then(this.host.resourceMs(change.type, options.express), (at) => {
        const reason = this.outcome(stack, record, "create", at, options.express);
        if (typeof reason === "number") return reason;
        if (reason === undefined) {
          this.settleResource(stack, record, "CREATE_COMPLETE", at);
          this.host.resourceCreated(stack, record);
          return;
        }
        this.settleResource(stack, record, "CREATE_FAILED", at, reason);
        // Resources CloudFormation had in flight are cancelled, a millisecond after the cause.
        const cancelled = adds.slice(index + 1).map((c) => {
          const r = this.startResource(stack, c.logicalId, desired.template.Resources[c.logicalId]!, "CREATE_FAILED", at + 1, "Resource creation cancelled");
          return r.logicalId;
        });
        op.abandon();
        this.rollbackCreate(stack, op, `The following resource(s) failed to create: [${[change.logicalId, ...cancelled].join(", ")}]. Rollback requested by user.`, options);
      });
    });
    op.then(EVENT_GAP_MS, (at) => {
      const outputs = this.host.resolveOutputs(stack);
      const conflict = this.host.exportConflict(stack, outputs);
      if (conflict) {
        op.abandon();
        this.rollbackCreate(stack, op, `${conflict}. Rollback requested by user.`, options);
        return;
      }
      stack.outputs = outputs;
      stack.resumeFrom = undefined;
      this.setStatus(stack, at, "CREATE_COMPLETE");
      op.finish(true);
    });
  }

  update(stack: StackRecord, desired: DesiredStack, plan: PlannedChange[], options: RunOptions): void {
    const op = this.begin(stack, options);
    let previous: DesiredStack;
    const applied: Applied[] = [];
    const replacedOld: ResourceRecord[] = [];
    const fail = (logicalIds: string[], verb: string, override?: string) => {
      op.abandon();
      this.rollbackUpdate(stack, op, previous, applied, override ?? `The following resource(s) failed to ${verb}: [${logicalIds.join(", ")}]. `, options);
    };
    op.then(0, (at) => {
      previous = snapshot(stack);
      applyDesired(stack, desired);
      stack.updatedAt = at;
      this.setStatus(stack, at, "UPDATE_IN_PROGRESS", "User Initiated");
    });
    for (const change of plan) {
      const id = change.logicalId;
      const definition = desired.template.Resources[id]!;
      if (change.action === "Add") {
        let record: ResourceRecord;
        op.then(EVENT_GAP_MS, (at) => {
          record = this.startResource(stack, id, definition, "CREATE_IN_PROGRESS", at);
          this.host.resourceStarted(stack, record, "create", at);
        });
        op.then(this.host.resourceMs(change.type, options.express), (at) => {
          const reason = this.outcome(stack, record, "create", at, options.express);
          if (typeof reason === "number") return reason;
          applied.push({ change });
          if (reason !== undefined) {
            this.settleResource(stack, record, "CREATE_FAILED", at, reason);
            return fail([id], "create");
          }
          this.settleResource(stack, record, "CREATE_COMPLETE", at);
          this.host.resourceCreated(stack, record);
        });
      } else if (change.action === "Modify") {
        let record: ResourceRecord;
        op.then(EVENT_GAP_MS, (at) => {
          record = stack.resources.get(id) ?? this.startResource(stack, id, definition, "CREATE_IN_PROGRESS", at);
          const why = change.replace ? "Requested update requires the creation of a new physical resource; hence creating one." : undefined;
          this.settleResource(stack, record, "UPDATE_IN_PROGRESS", at, why);
          // A replacement is a new resource, created when the step completes; an update calls the service now.
          if (!change.replace) this.host.resourceStarted(stack, { ...record, definition }, "update", at);
        });
        op.then(this.host.resourceMs(change.type, options.express), (at) => {
          const reason = change.replace ? this.host.takeFailure(stack.name, id, "update") : this.outcome(stack, record, "update", at, options.express);
          if (typeof reason === "number") return reason;
          applied.push({ change, before: { ...record } });
          if (reason !== undefined) {
            this.settleResource(stack, record, "UPDATE_FAILED", at, reason);
            return fail([id], "update");
          }
          if (change.replace) {
            const replacement = this.host.physicalIdFor(stack, id, definition, record.generation + 1);
            // A resource with a fixed name cannot be replaced: the new one would need the same name.
            if (replacement === record.physicalId) {
              this.settleResource(stack, record, "UPDATE_FAILED", at, `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${record.physicalId} and update the stack again.`);
              return fail([id], "update");
            }
            replacedOld.push({ ...record, definition: { ...record.definition, DeletionPolicy: definition.UpdateReplacePolicy ?? "Delete" } });
            record.generation += 1;
            record.physicalId = replacement;
          }
          record.definition = definition;
          this.settleResource(stack, record, "UPDATE_COMPLETE", at);
          if (change.replace) this.host.resourceCreated(stack, record);
        });
      }
    }
    op.then(EVENT_GAP_MS, (at) => {
      const outputs = this.host.resolveOutputs(stack);
      const conflict = this.host.exportConflict(stack, outputs);
      if (conflict) return fail([], "update", conflict);
      stack.outputs = outputs;
      this.setStatus(stack, at, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
      const removed = plan.filter((c) => c.action === "Remove").map((c) => stack.resources.get(c.logicalId));
      for (const record of [...removed.reverse(), ...replacedOld]) {
        // Cleanup failures leave the resource behind but do not fail the update.
        if (record) this.deleteSteps(stack, op, record, { rollback: false });
      }
      op.then(EVENT_GAP_MS, (end) => {
        stack.resumeFrom = undefined;
        this.setStatus(stack, end, "UPDATE_COMPLETE");
        op.finish(true);
      });
    });
  }

  delete(stack: StackRecord, retain: Set<string>, options: RunOptions): void {
    const op = this.begin(stack, options);
    op.then(0, (at) => {
      this.setStatus(stack, at, "DELETE_IN_PROGRESS", "User Initiated");
      const failed: string[] = [];
      for (const record of [...stack.resources.values()].reverse()) {
        this.deleteSteps(stack, op, record, { rollback: false, retain: retain.has(record.logicalId), onFailed: () => failed.push(record.logicalId), listedAfter: true });
      }
      op.then(EVENT_GAP_MS, (end) => {
        if (failed.length > 0) {
          this.setStatus(stack, end, "DELETE_FAILED", `The following resource(s) failed to delete: [${failed.join(", ")}]. `);
          return op.finish(false);
        }
        const refused = this.host.takeStackDeletionFailure(stack.name);
        if (refused !== undefined) {
          this.setStatus(stack, end, "DELETE_FAILED", refused);
          return op.finish(false);
        }
        this.setStatus(stack, end, "DELETE_COMPLETE");
        stack.deletedAt = end;
        this.host.stackDeleted(stack);
        op.finish(true);
      });
    });
  }

  continueUpdateRollback(stack: StackRecord, skip: Set<string>, token?: string): void {
    const op = this.begin(stack, { token });
    const pending = stack.pendingRollback ?? { reverts: [], removals: [] };
    op.then(0, (at) => this.setStatus(stack, at, "UPDATE_ROLLBACK_IN_PROGRESS"));
    this.runUpdateRollback(stack, op, pending, skip);
  }

  /** Someone else's operation (seeded by a test) that completes on its own. */
  completeLater(stack: StackRecord, afterMs: number, finalStatus: StackStatus): void {
    const op = this.begin(stack, {});
    op.then(afterMs, (at) => {
      this.setStatus(stack, at, finalStatus);
      if (finalStatus === "DELETE_COMPLETE") {
        stack.deletedAt = at;
        this.host.stackDeleted(stack);
      }
      op.finish(true);
    });
  }

  private rollbackCreate(stack: StackRecord, op: Operation, reason: string, options: RunOptions): void {
    if (options.disableRollback) {
      op.then(EVENT_GAP_MS, (at) => {
        // The resources that were created got this stack's parameters: the next update retries only the rest.
        stack.resumeFrom ??= { parameters: { ...stack.parameters } };
        this.setStatus(stack, at, "CREATE_FAILED", reason);
        op.finish(false);
      });
      return;
    }
    op.then(EVENT_GAP_MS, (at) => {
      this.setStatus(stack, at, "ROLLBACK_IN_PROGRESS", reason);
      const failed: string[] = [];
      for (const record of [...stack.resources.values()].reverse()) {
        this.deleteSteps(stack, op, record, { rollback: true, onFailed: () => failed.push(record.logicalId) });
      }
      op.then(EVENT_GAP_MS, (end) => {
        stack.outputs = [];
        if (failed.length > 0) this.setStatus(stack, end, "ROLLBACK_FAILED", `The following resource(s) failed to delete: [${failed.join(", ")}]. `);
        else this.setStatus(stack, end, "ROLLBACK_COMPLETE");
        op.finish(false);
      });
    });
  }

  private rollbackUpdate(stack: StackRecord, op: Operation, previous: DesiredStack, applied: Applied[], reason: string, options: RunOptions): void {
    if (options.disableRollback) {
      op.then(EVENT_GAP_MS, (at) => {
        // A second failure keeps the first one's stable parameters: they are still what unreached resources have.
        stack.resumeFrom ??= { parameters: { ...previous.parameters } };
        this.setStatus(stack, at, "UPDATE_FAILED", reason);
        op.finish(false);
      });
      return;
    }
    const pending: PendingRollback = { reverts: [], removals: [] };
    for (const { change, before } of [...applied].reverse()) {
      const current = stack.resources.get(change.logicalId);
      if (change.action === "Add" && current) pending.removals.push(current);
      if (change.action === "Modify" && before) {
        pending.reverts.push({ logicalId: change.logicalId, before });
        if (current && current.physicalId !== before.physicalId) pending.removals.push({ ...current, definition: { ...current.definition, DeletionPolicy: "Delete" } });
      }
    }
    op.then(EVENT_GAP_MS, (at) => {
      applyDesired(stack, previous);
      this.setStatus(stack, at, "UPDATE_ROLLBACK_IN_PROGRESS", reason);
    });
    this.runUpdateRollback(stack, op, pending, new Set());
  }

  private runUpdateRollback(stack: StackRecord, op: Operation, pending: PendingRollback, skip: Set<string>): void {
    const stop = (at: number, logicalId: string, remaining: PendingRollback) => {
      stack.pendingRollback = remaining;
      this.setStatus(stack, at, "UPDATE_ROLLBACK_FAILED", `The following resource(s) failed to update: [${logicalId}]. `);
      op.finish(false);
    };
    pending.reverts.forEach(({ logicalId, before }, index) => {
      let record: ResourceRecord | undefined;
      op.then(EVENT_GAP_MS, (at) => {
        record = stack.resources.get(logicalId);
        if (record) this.settleResource(stack, record, "UPDATE_IN_PROGRESS", at);
      });
      op.then(this.host.resourceMs(before.type), (at) => {
        if (!record) return;
        if (skip.has(logicalId)) return this.settleResource(stack, record, "UPDATE_COMPLETE", at, "Resource skipped during UpdateRollback");
        if (this.host.takeRollbackFailure(stack.name)) {
          this.settleResource(stack, record, "UPDATE_FAILED", at, `Resource handler returned message: "Rollback of ${logicalId} failed (injected by FakeCloud.failRollback)"`);
          return stop(at, logicalId, { reverts: pending.reverts.slice(index), removals: pending.removals });
        }
        Object.assign(record, { physicalId: before.physicalId, definition: before.definition, generation: before.generation });
        this.host.resourceReverted(stack, record, at);
        this.settleResource(stack, record, "UPDATE_COMPLETE", at);
      });
    });
    op.then(EVENT_GAP_MS, (at) => {
      this.setStatus(stack, at, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
      pending.removals.forEach((record, index) => {
        this.deleteSteps(stack, op, record, {
          rollback: true,
          onFailed: (failedAt) => stop(failedAt, record.logicalId, { reverts: [], removals: pending.removals.slice(index) }),
        });
      });
      op.then(EVENT_GAP_MS, (end) => {
        stack.pendingRollback = undefined;
        this.setStatus(stack, end, "UPDATE_ROLLBACK_COMPLETE");
        op.finish(false);
      });
    });
  }
}
