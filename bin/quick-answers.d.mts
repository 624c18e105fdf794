/** Types of bin/quick-answers.mjs (plain JavaScript: it runs before anything is built). */
export interface StoredHelp {
  readonly narrow: { readonly width: number; readonly text: string };
  readonly wide: { readonly width: number; readonly text: string };
  /** The project's files the text was made from, relative to the project. */
  readonly sources: readonly string[];
}
export interface Output {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}
export const HELP_FILE: string;
export function versionAnswer(argv: readonly string[], root: string): string | undefined;
export function helpAnswer(argv: readonly string[], stdout: Output, root: string): string | undefined;
export function helpFor(stdout: Output, stored: StoredHelp): string | undefined;
