/** CloudFormation stack states as predicates, instead of string comparisons scattered through the engine. */

export type StackStatus = string;

export const isInProgress = (s: StackStatus) => s.endsWith("_IN_PROGRESS") && s !== "REVIEW_IN_PROGRESS";

/** A first create that failed and rolled back: the stack holds nothing and can only be deleted. */
export const isFailedFirstCreate = (s: StackStatus) => s === "ROLLBACK_COMPLETE";

/** Only a person can decide what to do with these; the engine never deletes them blindly. */
export const needsManualRecovery = (s: StackStatus) => ["ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "IMPORT_ROLLBACK_FAILED"].includes(s);

/** States from which an UPDATE change set can be executed. */
export const isUpdatable = (s: StackStatus) =>
  ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"].includes(s);

/**
 * What an operation with rollback disabled (an express deploy) leaves when it fails: what succeeded is kept and
 * the failed resources stay failed "until the next update operation is performed" (CloudFormation User Guide,
 * "Choose how to handle failures when provisioning resources"). An update change set retries them; the stack
 * is never deleted for it, and never counted as deployed just because its template matches.
 */
export const isFailedWithoutRollback = (s: StackStatus) => s === "CREATE_FAILED" || s === "UPDATE_FAILED";

/** A stack created by a change set that was never executed: it holds no resources and is reused. */
export const isEmptyReview = (s: StackStatus) => s === "REVIEW_IN_PROGRESS";

export const isTerminal = (s: StackStatus) => !s.endsWith("_IN_PROGRESS");

/** Where an operation we started ends well. */
export const isSuccessfulStatus = (s: StackStatus) => ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE"].includes(s);

export const isFailedResourceStatus = (s: string) => s.endsWith("_FAILED");

/** The noise CloudFormation adds after the first failure; never the root cause. */
export const isCancellationReason = (reason: string | undefined) =>
  reason !== undefined && /^Resource (creation|update|deletion) cancelled/i.test(reason);
