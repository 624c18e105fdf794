/**
 * The files a command writes (`deploy --outputs-file`, `changeset --markdown`): checked before the first AWS
 * call, so a typo in a path cannot surface only after stacks changed; and written at the end in a way that
 * never swallows the summary when the disk says no after all.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { inputErrors } from "../errors.js";

export interface PlannedWrite {
  /** The flag that named the path, for the message: "--outputs-file". */
  readonly flag: string;
  readonly path: string | undefined;
  /** The writer creates missing parent directories (mkdir -p), so only the nearest existing one must allow it. */
  readonly createsDirectories?: boolean;
}

/** Refuses (exit 2) when any planned file cannot be written, saying which path and why. */
export function checkOutputPaths(writes: readonly PlannedWrite[]): void {
  const problems = writes.flatMap((write) => {
    if (write.path === undefined) return [];
    const problem = whyUnwritable(write.path, write.createsDirectories === true);
    return problem ? [`${write.flag} ${write.path}: ${problem}`] : [];
  });
  if (problems.length > 0) throw inputErrors(problems, "Cannot write where this command was told to (nothing in AWS was changed):");
}

function whyUnwritable(path: string, createsDirectories: boolean): string | undefined {
  const target = resolve(path);
  const existing = stat(target);
  if (existing?.isDirectory()) return `is a directory; name a file in it, e.g. ${join(path, "out.json")}`;
  if (existing) return writable(target) ? undefined : "the file is not writable (permission denied): choose another path or fix its permissions";

  let dir = dirname(target);
  let dirStat = stat(dir);
  if (!dirStat && !createsDirectories) return `directory ${dir} does not exist: create it, or choose a path in an existing directory`;
  // mkdir -p creates what is missing, inside the nearest directory that does exist.
  while (!dirStat && dirname(dir) !== dir) {
    dir = dirname(dir);
    dirStat = stat(dir);
  }
  if (dirStat && !dirStat.isDirectory()) return `${dir} is not a directory`;
  if (!writable(dir)) return `directory ${dir} is not writable (permission denied): choose another path or fix its permissions`;
  return undefined;
}

function stat(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR: a file stands where a directory of the path should be; the parent check names it
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What became of a file written at the end of a run. */
export interface WriteOutcome {
  readonly path: string;
  readonly written: boolean;
  readonly error?: string;
}

/** Writes, and turns a failure into an outcome to report, so the run's summary is printed all the same. */
export function writeAtEnd(path: string, write: () => void): WriteOutcome {
  try {
    write();
    return { path, written: true };
  } catch (error) {
    return { path, written: false, error: (error as Error)?.message ?? String(error) };
  }
}
