/** What `--filter TEXT` asks CloudWatch Logs for: one judgment, made before any request. */
import { UserInputError } from "../../errors.js";

/**
 * Characters a CloudWatch Logs filter pattern starts with when it uses the pattern syntax (FilterAndPatternSyntax):
 * `{` JSON, `[` space-delimited, `%` regex, `"` a quoted term, `?` any of several terms, `-` an excluded term.
 */
const PATTERN_START = /^[{[%"?-]/;

/**
 * Plain text is matched as the phrase it is: unquoted, `ERROR timeout` would be two terms that may appear
 * anywhere in the line, in any order. Text that starts as a filter pattern is passed on unchanged, so the
 * whole syntax stays available (`?ERROR ?WARN`, `"ERROR" -health`, `{ $.level = "error" }`).
 * Matching is case sensitive, as CloudWatch's is.
 */
export function filterPatternFor(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") throw new UserInputError(`--filter is empty: give the text to look for, e.g. --filter "ERROR timeout"`);
  if (PATTERN_START.test(trimmed)) return trimmed;
  if (trimmed.includes('"')) {
    throw new UserInputError(
      `--filter ${JSON.stringify(text)}: plain text is searched as a quoted phrase, and a phrase cannot hold a double quote. ` +
        `Leave the quotes out, or write a CloudWatch filter pattern yourself, starting with the quote (e.g. --filter '"level=error" timeout')`,
    );
  }
  return `"${trimmed}"`;
}
