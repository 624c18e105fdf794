/**
 * Commands a message tells a person to run next, as they can paste them: the project's npm script (there
 * is no `orchestrate` binary on PATH) and the flags and variables that chose this run's account, region and
 * config. Without those, the next command would act on another config's environment or another region.
 */

import { commandText } from "../render/command-line.js";

export interface Placing {
  config?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

/** What chose the account, region, config and names of this run, for a printed command to repeat. */
export function place(options: Placing): { variables: string[]; options: string[] } {
  const flags: [string, string | undefined][] = [
    ["--config", options.config],
    ["--region", options.region],
    ["--profile", options.profile],
    ["--endpoint-url", options.endpointUrl],
  ];
  return {
    variables: ["PROJECT_NAME", "BASE_DOMAIN"].filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`),
    options: flags.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value])),
  };
}

/** `npm run orchestrate -- <words> <this run's placing flags>`, with its variables in front. */
export function commandLine(words: string, placing: Placing): string {
  return commandText(words, place(placing));
}
