/**
 * A thrown error in one line for a stack's result. An AWS error's name says what kind of failure it was
 * ("ThrottlingException: Rate exceeded"); a plain Error's name says nothing, so only its message is kept.
 */
export function errorText(error: unknown): string {
  const { name, message } = (error ?? {}) as Partial<Error>;
  if (typeof message !== "string") return String(error);
  return !name || name === "Error" ? message : `${name}: ${message}`;
}
