/**
 * Errors shaped like the SDK's deserialized service errors: the service's own exception classes
 * (so `instanceof RepositoryNotFoundException` works), `name`, `message`, `$fault`, `$metadata`.
 */

// The SDK's exception constructors each take their own option type; `any` is the common ground.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = new (options: any) => Error;

export interface ErrorDetails {
  status?: number;
  fault?: "client" | "server";
  /** Extra members the real deserializer would set (e.g. `Code`, `BucketName`). */
  fields?: Record<string, unknown>;
}

export function awsError(Base: ErrorClass, name: string, message: string, details: ErrorDetails = {}): Error {
  const $metadata = { httpStatusCode: details.status ?? 400, requestId: "fake-request-id", attempts: 1, totalRetryDelay: 0 };
  const error = new Base({ name, message, Message: message, $fault: details.fault ?? "client", $metadata, ...details.fields });
  // Unmodeled errors (CloudFormation's ValidationError) only get their name from the options;
  // modeled ones already carry it. Setting it again keeps both kinds uniform.
  Object.assign(error, { name, message, $metadata, ...details.fields });
  return error;
}

export function throttlingError(Base: ErrorClass): Error {
  return awsError(Base, "ThrottlingException", "Rate exceeded", { status: 400 });
}

/** What the SDK's HTTP handler throws when a connection drops mid-request. */
export function networkError(): Error {
  return Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET", $metadata: {} });
}

/** What the SDK's HTTP handler throws when it cannot connect, e.g. ECONNREFUSED: nothing listens on the endpoint's port. */
export function connectionError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { name: "Error", code, $metadata: {} });
}

/** What the SDK's HTTP handler (@smithy/node-http-handler) rejects with when the request's abortSignal fires. */
export function abortError(): Error {
  return Object.assign(new Error("Request aborted"), { name: "AbortError" });
}

export class UnexpectedCommandError extends Error {
  override name = "FakeCloudUnexpectedCommand";
  constructor(readonly service: string, readonly command: string) {
    super(`FakeCloud: unexpected ${command} — add it to the fake`);
  }
}
