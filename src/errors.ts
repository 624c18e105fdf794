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
