/**
 * `orchestrate logs`: the service's container logs from a point in time, and with `follow` the lines that
 * arrive after, until Ctrl-C. Reads through a page source (aws/logs.ts) and hands each new line to `print`.
 */
import { MissingLogGroupError, type LogEvent, type LogQuery } from "../../aws/logs.js";
import { isInterruption } from "../../errors.js";
import { sleepUnlessAborted, type Clock } from "../clock.js";

export interface LogLine {
  readonly at: number;
  /** The ECS task that wrote it, from its stream name. */
  readonly task: string;
  readonly message: string;
}

export interface TailRequest {
  /** The group's events from `query.startTime` on, oldest first, page by page. */
  readonly read: (query: LogQuery) => AsyncIterable<LogEvent[]>;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly sinceMs: number;
  readonly filterPattern?: string;
  readonly follow: boolean;
  readonly print: (line: LogLine) => void;
  /** How often `follow` asks for new lines. Default 2 s. */
  readonly pollMs?: number;
}

/** `stopped`: follow ended by Ctrl-C, which is how a person ends it (exit 0). `printed`: how many lines were shown. */
export type TailOutcome = { kind: "done"; printed: number } | { kind: "stopped"; printed: number } | { kind: "no-log-group"; group: string };

const POLL_MS = 2_000;
/**
 * Lines arrive late: the awslogs driver batches, and CloudWatch may ingest a line seconds after its timestamp.
 * Each poll re-reads from this long before the newest line seen (the lines already printed are skipped by id)...
 */
const LATE_LINE_MS = 10_000;
/**
 * ...and, while no line has come, from this long before this machine's clock, so a quiet `--since 1d --follow`
 * does not re-read the whole day every 2 s, yet a machine clock a minute ahead of AWS's hides no line.
 */
const CLOCK_SKEW_MS = 120_000;

/**
 * The ECS task id from an awslogs stream name, `<prefix>/<container>/<task id>` (the driver's documented
 * format with awslogs-stream-prefix); any other name is shown as it is.
 */
export const taskOfStream = (stream: string): string => stream.split("/").at(-1) || stream;

export async function tailLogs(request: TailRequest): Promise<TailOutcome> {
  const { clock, signal } = request;
  let startTime = clock.now() - request.sinceMs;
  // Event ids already printed, with their timestamps: forgotten once the window has moved past them.
  const printed = new Map<string, number>();
  let newest = -Infinity;
  let count = 0;
  try {
    for (;;) {
      const askedAt = clock.now();
      for await (const page of request.read({ startTime, filterPattern: request.filterPattern })) {
        for (const event of page) {
          if (printed.has(event.id)) continue;
          printed.set(event.id, event.at);
          newest = Math.max(newest, event.at);
          count += 1;
          request.print({ at: event.at, task: taskOfStream(event.stream), message: event.message.replace(/\r?\n$/, "") });
        }
      }
      if (!request.follow) return { kind: "done", printed: count };
      startTime = Math.max(startTime, newest - LATE_LINE_MS, askedAt - CLOCK_SKEW_MS);
      for (const [id, at] of printed) if (at < startTime) printed.delete(id);
      await sleepUnlessAborted(clock, request.pollMs ?? POLL_MS, signal);
    }
  } catch (error) {
    if (error instanceof MissingLogGroupError) return { kind: "no-log-group", group: error.group };
    if (request.follow && isInterruption(error)) return { kind: "stopped", printed: count };
    throw error;
  }
}
