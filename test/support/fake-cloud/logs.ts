/**
 * CloudWatch Logs: the log groups stacks create (AWS::Logs::LogGroup), events a test seeds as the awslogs
 * driver would have written them, and FilterLogEvents as the API reference describes it
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html):
 * - `startTime`: "Events with a timestamp before this time are not returned"; `endTime`: "Events with a
 *   timestamp later than this time are not returned" (both bounds inclusive, epoch ms).
 * - `limit`: "The maximum number of events to return. The default is 10,000 events" (1–10,000).
 * - `nextToken`: "If the results don't include a nextToken, then pagination is finished."
 * - Events come "sorted by event timestamp, the timestamp when the event was ingested by CloudWatch Logs,
 *   and the ID of the PutLogEvents request"; a missing group is a ResourceNotFoundException.
 * - `filterPattern` (FilterAndPatternSyntax.html): "Filter patterns are case sensitive"; space-separated
 *   terms must all appear, a term in double quotes is an exact phrase, `?term` matches any of the `?` terms,
 *   `-term` excludes. JSON (`{…}`), space-delimited (`[…]`) and regex (`%…%`) patterns are not modelled.
 */
import {
  CloudWatchLogsServiceException,
  InvalidParameterException,
  ResourceNotFoundException,
  type FilterLogEventsCommandInput,
  type FilterLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { awsError, type ErrorClass } from "./errors.js";
import { page, type Handlers, type Out, type World } from "./world.js";

export interface LogEvent {
  readonly eventId: string;
  readonly logStreamName: string;
  readonly timestamp: number;
  /** When CloudWatch Logs received it: before that, no query sees it. */
  readonly ingestionTime: number;
  readonly message: string;
}

const MAX_LIMIT = 10_000;

export class FakeLogs {
  private readonly groups = new Map<string, LogEvent[]>();
  private sequence = 0;

  constructor(private readonly world: World) {}

  /** A log group as CloudFormation (or a test standing in for it) creates it; creating it again keeps its events. */
  createGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, []);
  }

  deleteGroup(name: string): void {
    this.groups.delete(name);
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /**
   * One line a container wrote, as the awslogs driver delivers it to `stream` (`<prefix>/<container>/<task id>`).
   * `at` is its timestamp (default now). It is ingested at `at` or now, whichever is later: an event seeded in
   * the virtual future becomes visible when the clock gets there, as a line written then would.
   */
  append(group: string, stream: string, message: string, at: number = this.world.clock.now()): LogEvent {
    const events = this.groups.get(group);
    if (!events) throw new Error(`FakeLogs: no log group ${group}; deploy the network stack or call createGroup first`);
    this.sequence += 1;
    const event: LogEvent = {
      eventId: `${String(at).padStart(20, "0")}${String(this.sequence).padStart(12, "0")}`,
      logStreamName: stream,
      timestamp: at,
      ingestionTime: Math.max(at, this.world.clock.now()),
      message,
    };
    events.push(event);
    return event;
  }

  handlers(): Handlers {
    return {
      FilterLogEvents: (input: FilterLogEventsCommandInput): Out<FilterLogEventsCommandOutput> => this.filterLogEvents(input),
    };
  }

  private filterLogEvents(input: FilterLogEventsCommandInput): Out<FilterLogEventsCommandOutput> {
    const limit = input.limit ?? MAX_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw invalidParameter(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${MAX_LIMIT}`);
    }
    const name = input.logGroupName ?? input.logGroupIdentifier ?? "";
    const events = this.groups.get(name);
    if (!events) throw awsError(ResourceNotFoundException as unknown as ErrorClass, "ResourceNotFoundException", "The specified log group does not exist.");
    const matches = compilePattern(input.filterPattern ?? "");
    const now = this.world.clock.now();
    const found = events
      .filter((e) => e.ingestionTime <= now)
      .filter((e) => (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp <= input.endTime))
      .filter((e) => !input.logStreamNames || input.logStreamNames.includes(e.logStreamName))
      .filter((e) => !input.logStreamNamePrefix || e.logStreamName.startsWith(input.logStreamNamePrefix))
      .filter((e) => matches(e.message))
      .sort((a, b) => a.timestamp - b.timestamp || a.ingestionTime - b.ingestionTime || a.eventId.localeCompare(b.eventId));
    const { items, next } = page(found, input.nextToken, limit);
    return {
      events: items.map((e) => ({ ...e })),
      searchedLogStreams: [],
      ...(next ? { nextToken: next } : {}),
    };
  }
}

const invalidParameter = (message: string) => awsError(InvalidParameterException as unknown as ErrorClass, "InvalidParameterException", message);

/** The filter pattern as a predicate on one message (see the module comment for the syntax modelled). */
function compilePattern(pattern: string): (message: string) => boolean {
  const trimmed = pattern.trim();
  if (trimmed === "") return () => true;
  if (/^[{[%]/.test(trimmed)) {
    throw awsError(CloudWatchLogsServiceException as unknown as ErrorClass, "FakeCloudUnmodelledPattern", `FakeLogs: JSON, space-delimited and regex filter patterns are not modelled: ${pattern}`);
  }
  const terms = [...trimmed.matchAll(/([?-]?)(?:"([^"]*)"|(\S+))/g)].map((m) => ({ kind: m[1] ?? "", text: m[2] ?? m[3] ?? "" }));
  if (terms.some((t) => t.text === "")) throw invalidParameter(`Invalid filter pattern: ${pattern}`);
  const required = terms.filter((t) => t.kind === "").map((t) => t.text);
  const anyOf = terms.filter((t) => t.kind === "?").map((t) => t.text);
  const excluded = terms.filter((t) => t.kind === "-").map((t) => t.text);
  return (message) =>
    required.every((t) => message.includes(t)) && (anyOf.length === 0 || anyOf.some((t) => message.includes(t))) && !excluded.some((t) => message.includes(t));
}
