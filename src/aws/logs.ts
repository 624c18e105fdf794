/** CloudWatch Logs in the engine's own words: the events of one log group, page by page. */
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { provideLogsClient } from "./clients.js";
import { hasErrorName, RetryingApi } from "./retry.js";

// The SDK loads with this module, not with clients.ts (see there): only `orchestrate logs` needs it.
provideLogsClient(CloudWatchLogsClient);

export interface LogEvent {
  /** Unique within the group: what tells a line read twice (overlapping polls) from a new one. */
  readonly id: string;
  /** When the container wrote it (epoch ms). */
  readonly at: number;
  readonly stream: string;
  readonly message: string;
}

export interface LogQuery {
  /** Inclusive, epoch ms: "Events with a timestamp before this time are not returned" (FilterLogEvents). */
  readonly startTime: number;
  /** A CloudWatch Logs filter pattern; none matches every event. */
  readonly filterPattern?: string;
}

/** The log group does not exist (FilterLogEvents' ResourceNotFoundException): never deployed, or torn down. */
export class MissingLogGroupError extends Error {
  override readonly name = "MissingLogGroupError";
  constructor(readonly group: string) {
    super(`no log group ${group}`);
  }
}

export class LogsApi extends RetryingApi<CloudWatchLogsClient> {
  /**
   * The matching events from `startTime` on, oldest first, one page at a time (FilterLogEvents returns up to
   * 10,000 events or 1 MB per page, and may return an empty page with a nextToken while it scans): a caller
   * prints each page as it comes instead of holding a day of logs in memory.
   */
  async *events(group: string, query: LogQuery): AsyncGenerator<LogEvent[]> {
    let nextToken: string | undefined;
    do {
      const page = await this.page(group, query, nextToken);
      yield (page.events ?? []).map((e) => ({ id: e.eventId ?? "", at: e.timestamp ?? 0, stream: e.logStreamName ?? "", message: e.message ?? "" }));
      nextToken = page.nextToken;
    } while (nextToken);
  }

  private async page(group: string, query: LogQuery, nextToken: string | undefined) {
    try {
      return await this.send(
        new FilterLogEventsCommand({
          logGroupName: group,
          startTime: query.startTime,
          ...(query.filterPattern ? { filterPattern: query.filterPattern } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
    } catch (error) {
      if (hasErrorName(error, "ResourceNotFoundException")) throw new MissingLogGroupError(group);
      throw error;
    }
  }
}
