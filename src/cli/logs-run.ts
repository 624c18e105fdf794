/** `orchestrate logs <env>`: the service's container logs, read-only; `--follow` runs until Ctrl-C (exit 0). */
import { logGroupName } from "../env/model.js";
import { filterPatternFor } from "../orchestrator/logs/filter-pattern.js";
import { tailLogs } from "../orchestrator/logs/tail.js";
import { elapsed } from "../duration.js";
import { requireAccount } from "../orchestrator/deploy/preflight.js";
import { logLineText } from "../render/logs.js";
import { readerGone } from "./closed-output.js";
import { EXIT } from "./command.js";
import { commandLine } from "./invocation.js";
import { openSession, type SessionOptions, type SessionOverrides } from "./session.js";

export interface LogsOptions extends SessionOptions {
  /** --since, in ms (parsed by the command). */
  since: number;
  follow?: boolean;
  filter?: string;
}

const sinceText = (ms: number) => elapsed(ms).replace(/^(\d+)m00s$/, "$1m").replace(/^(\d+)h00m$/, "$1h");

export async function runLogs(envName: string, options: LogsOptions, overrides?: SessionOverrides): Promise<number> {
  // Bad input is refused before the first request, like every other command's.
  const filterPattern = options.filter === undefined ? undefined : filterPatternFor(options.filter);
  // Ctrl-C is how --follow ends: no note about change sets, which this command never makes.
  const session = openSession(envName, options, overrides, "");
  try {
    const { env } = session;
    await requireAccount(session, "read the logs of");
    const { LogsApi } = await import("../aws/logs.js"); // the CloudWatch Logs SDK, for this command only
    const api = new LogsApi(session.clients.logs, session.retry);
    const group = logGroupName(env);
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    const outcome = await tailLogs({
      read: (query) => api.events(group, query),
      clock: session.clock,
      // Ctrl-C ends --follow; so does the reader going away (`logs dev --follow | head`).
      signal: AbortSignal.any([session.signal, overrides?.outputClosed ?? readerGone()]),
      sinceMs: options.since,
      filterPattern,
      follow: Boolean(options.follow),
      print: (line) => session.log(logLineText(line, { color })),
    });
    if (outcome.kind === "no-log-group") {
      console.error(`error: no log group ${outcome.group} in ${env.region} — has \`${commandLine(`deploy ${env.name}`, options)}\` run?`);
      return EXIT.failed;
    }
    // Silence would look like a command that does not work; on stderr, so a pipe gets only log lines.
    if (outcome.kind === "done" && outcome.printed === 0) {
      console.error(`no log lines${filterPattern ? ` matching ${filterPattern}` : ""} in ${group} in the last ${sinceText(options.since)} (--since reaches further)`);
    }
    return EXIT.ok;
  } finally {
    session.close();
  }
}
