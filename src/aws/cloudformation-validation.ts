/**
 * CloudFormation's pre-deployment validation of a change set, in the engine's own words. Since late 2025
 * CreateChangeSet checks property syntax, resource-name conflicts and more while it computes the change set.
 * A failed check in FAIL mode makes the change set FAILED; one in WARN mode (e.g. deleting a bucket that is
 * not empty) leaves it executable. Either way the detail is only in DescribeEvents for the change set:
 * events of EventType VALIDATION_ERROR carrying ValidationName, ValidationPath and ValidationStatusReason
 * (CloudFormation API reference, DescribeEvents / OperationEvent). DescribeStackEvents does not show them.
 */
import type { OperationEvent } from "@aws-sdk/client-cloudformation";

export interface ValidationFinding {
  /** e.g. AWS::EarlyValidation::ResourceExistenceCheck */
  readonly name: string;
  /** FAIL: the change set cannot run; WARN: it can, and the reader should know. */
  readonly mode: "FAIL" | "WARN";
  /** Where in the template, as a JSON pointer (/Resources/Bucket/Properties/BucketName). */
  readonly path?: string;
  readonly logicalId?: string;
  readonly reason: string;
}

/** The failed validations among a change set's events; other events (progress, hooks) are not validation. */
export function validationFindings(events: readonly OperationEvent[]): ValidationFinding[] {
  return events
    .filter((e) => e.EventType === "VALIDATION_ERROR" && e.ValidationStatus !== "SKIPPED")
    .map((e) => ({
      name: e.ValidationName ?? "unnamed validation",
      // A check that does not say how it fails is taken at its worst.
      mode: e.ValidationFailureMode === "WARN" ? "WARN" : "FAIL",
      path: e.ValidationPath,
      logicalId: e.LogicalResourceId,
      reason: e.ValidationStatusReason ?? e.ResourceStatusReason ?? "no reason given",
    }));
}

/** "NAME at PATH: reason", one finding as a person reads it. */
export const describeFinding = (f: ValidationFinding) => `${f.name}${f.path ? ` at ${f.path}` : ""}: ${f.reason}`;

/** The StatusReason CloudFormation gives a change set that failed pre-deployment validation. */
export const isValidationFailureReason = (reason: string | undefined) => reason !== undefined && /validation failed|EarlyValidation/i.test(reason);
