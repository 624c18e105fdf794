/**
 * Errors a person can act on. Each carries the exit code the CLI should end with;
 * the message says what was wrong and how to fix it.
 */
export class UserInputError extends Error {
  readonly exitCode = 2;
  override readonly name = "UserInputError";
}

/** Many problems found at once in the same input, reported together. */
export function inputErrors(problems: string[], heading: string): UserInputError {
  return new UserInputError([heading, ...problems.map((p) => `  - ${p}`)].join("\n"));
}

/** Ctrl-C: the reason the session's AbortSignal carries, and what a step it cut short throws. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
  constructor() {
    super("interrupted");
  }
}

/** Ctrl-C, however it surfaced: the session's reason, or the AbortError of a prompt (readline) or a signal. */
export const isInterruption = (error: unknown): boolean =>
  error instanceof InterruptedError || (error as Error | undefined)?.name === "AbortError";
