/**
 * A command a message tells a person to run next, as they can paste it: `npm run orchestrate -- <words>` with
 * the variables and flags that chose the run's account, region and config (the CLI works out which: cli/invocation.ts).
 */

export interface Repeat {
  /** `NAME=value`, put in front of the command. */
  readonly variables: readonly string[];
  /** Flags and their values, appended. */
  readonly options: readonly string[];
}

/** A word as a POSIX shell reads it back: quoted only when it has to be. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export function commandText(words: string, repeat: Repeat = { variables: [], options: [] }): string {
  const assigned = repeat.variables.map((v) => v.replace(/=(.*)$/s, (_, value: string) => `=${shellWord(value)}`));
  return [...assigned, "npm run orchestrate --", words, ...repeat.options.map(shellWord)].join(" ");
}
