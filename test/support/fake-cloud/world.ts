/** What every part of the fake cloud shares: the clock, identity, timing, and the handler shape. */
import type { VirtualClock } from "./clock.js";
import type { Ids } from "./ids.js";

export interface Timing {
  /** Virtual latency of every API call. */
  apiMs: number;
  /** Virtual time one resource takes to create, update or (half of it) delete. */
  resourceMs: (type: string) => number;
  /** In express mode (express.ts), the time until a resource's configuration is applied. */
  configuredMs: (type: string) => number;
  /** Time CloudFormation takes to compute a change set. */
  changeSetMs: number;
  /** Time before ACM shows the DNS validation record of a new certificate. */
  certificateRecordMs: number;
  /** Time ACM takes to notice the validation record once it is in sync. */
  certificateValidationMs: number;
  /** Time a Route 53 change stays PENDING before INSYNC. */
  dnsPropagationMs: number;
}

export interface World {
  clock: VirtualClock;
  ids: Ids;
  account: string;
  region: string;
  timing: Timing;
}

export interface CallContext {
  /** Region of the SDK client that sent the command. */
  region: string;
}

// Inputs arrive as whatever the caller put in the command; each handler declares its SDK input type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, context: CallContext) => unknown;
export type Handlers = Record<string, Handler>;

/** Opaque pagination tokens that are really offsets: enough for callers that treat them as opaque. */
export function page<T>(items: T[], token: string | undefined, size: number): { items: T[]; next?: string } {
  const start = token ? Number(Buffer.from(token, "base64").toString("utf8").replace("offset:", "")) : 0;
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { next: Buffer.from(`offset:${end}`).toString("base64") } : {}),
  };
}

/** A command's output as a handler returns it: the dispatcher adds `$metadata`. */
export type Out<T> = Omit<T, "$metadata">;
