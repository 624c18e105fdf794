/**
 * CloudFormation's pre-deployment ("early") validation of change sets, as the real API reports it
 * (CloudFormation User Guide, "Validate stack deployments"; API reference, DescribeEvents and OperationEvent):
 * - CreateChangeSet runs the checks while it computes the change set. A check in FAIL mode that fails
 *   (property syntax, a resource name that already exists) makes the change set FAILED, with a StatusReason
 *   that names the validation and points to DescribeEvents; it cannot be executed.
 * - A check in WARN mode that fails (e.g. deleting a bucket that is not empty) leaves the change set
 *   CREATE_COMPLETE and executable; only its event tells.
 * - DescribeEvents with ChangeSetName returns the change set's operation events; each failed check is an event
 *   of EventType VALIDATION_ERROR with ValidationName, ValidationStatus FAILED, ValidationFailureMode (FAIL|WARN),
 *   ValidationStatusReason, ValidationPath (a JSON pointer into the template) and the resource's logical id.
 *   Filters.FailedEvents=true returns only failed events. DescribeStackEvents does not return them.
 * Tests inject findings with `cloud.failValidation(...)`; a finding applies to a change set whose desired
 * template has the named resource.
 */
import type { DescribeEventsCommandInput, DescribeEventsCommandOutput, OperationEvent } from "@aws-sdk/client-cloudformation";
import type { ParsedTemplate } from "./template.js";
import type { World } from "./world.js";

export interface ValidationFindingSeed {
  stack: string;
  logicalId: string;
  /** e.g. "AWS::EarlyValidation::ResourceExistenceCheck". */
  name: string;
  mode: "FAIL" | "WARN";
  reason: string;
  /** Default /Resources/<logicalId>. */
  path?: string;
}

export interface RecordedValidation {
  readonly operationId: string;
  readonly events: OperationEvent[];
}

/** The events one change set's creation records, and the StatusReason when a FAIL-mode check failed. */
export function validateChangeSet(
  seeds: readonly ValidationFindingSeed[],
  target: { stackName: string; stackId: string; template: ParsedTemplate },
  world: World,
): RecordedValidation & { failure?: string } {
  const operationId = world.ids.uuid("operation");
  const found = seeds.filter((s) => s.stack === target.stackName && s.logicalId in target.template.Resources);
  const at = new Date(world.clock.now());
  const events: OperationEvent[] = found.map((s) => ({
    EventId: world.ids.uuid("event"),
    StackId: target.stackId,
    OperationId: operationId,
    OperationType: "CREATE_CHANGESET",
    EventType: "VALIDATION_ERROR",
    LogicalResourceId: s.logicalId,
    ResourceType: target.template.Resources[s.logicalId]!.Type,
    Timestamp: at,
    ValidationFailureMode: s.mode,
    ValidationName: s.name,
    ValidationStatus: "FAILED",
    ValidationStatusReason: s.reason,
    ValidationPath: s.path ?? `/Resources/${s.logicalId}`,
  }));
  const failing = [...new Set(found.filter((s) => s.mode === "FAIL").map((s) => s.name))];
  if (failing.length === 0) return { operationId, events };
  return {
    operationId,
    events,
    failure: `The following hook(s)/validation failed: [${failing.join(", ")}]. To troubleshoot Early Validation errors, use the DescribeEvents API for detailed failure information.`,
  };
}

/** DescribeEvents for one change set's recorded events (the only scope the fake models). */
export function describeEvents(recorded: RecordedValidation, input: DescribeEventsCommandInput): Omit<DescribeEventsCommandOutput, "$metadata"> {
  const events = input.Filters?.FailedEvents ? recorded.events.filter((e) => e.ValidationStatus === "FAILED") : recorded.events;
  return { OperationEvents: structuredClone(events) };
}
