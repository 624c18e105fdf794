/**
 * `--version` and the top-level `--help`, answered without loading the CLI bundle: commander and every
 * command's definition cost ~50 ms, a third of the 0.15 s these must take. The answers are the program's
 * own: the version is package.json's (the program inlines the same file), and the help text is what the
 * program printed when scripts/build.mjs rendered it into dist/help.json, so it cannot drift from it.
 * Anything else (other arguments, a terminal width the stored text does not fit) goes to the program.
 * Plain JavaScript: it runs before anything is built.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** dist/help.json, written by scripts/build.mjs. */
export const HELP_FILE = "help.json";

/** The program's `--version` output, or undefined when argv asks for something else. */
export function versionAnswer(argv, root) {
  if (argv.length !== 1 || (argv[0] !== "--version" && argv[0] !== "-V")) return undefined;
  return `${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}\n`;
}

/**
 * The program's top-level `--help` output for this stdout, or undefined when the program must render it:
 * no dist/help.json, or one older than a file it was made from (an edit since the build; the launcher then
 * rebuilds). Only those files are checked (about 50, not all of src/): the check is most of this path's cost.
 */
export function helpAnswer(argv, stdout, root) {
  if (argv.length !== 1 || (argv[0] !== "--help" && argv[0] !== "-h")) return undefined;
  const file = join(root, "dist", HELP_FILE);
  if (!existsSync(file)) return undefined;
  const stored = JSON.parse(readFileSync(file, "utf8"));
  const builtMs = statSync(file).mtimeMs;
  const current = Array.isArray(stored.sources) && stored.sources.every((source) => (statSync(join(root, source), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= builtMs);
  return current ? helpFor(stdout, stored) : undefined;
}

/**
 * commander wraps help at stdout's columns when it is a terminal, else at 80 (Command's getOutHelpWidth,
 * Help's prepareContext). `narrow` is the text at 80 columns; `wide` the text no line of which wraps, which
 * every width from `wide.width` up prints alike. Any other width is the program's to wrap.
 */
export function helpFor(stdout, stored) {
  const width = (stdout.isTTY ? stdout.columns : undefined) ?? 80;
  if (width === stored.narrow.width) return stored.narrow.text;
  if (width >= stored.wide.width) return stored.wide.text;
  return undefined;
}
