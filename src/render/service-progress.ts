/**
 * An ECS rollout in one phrase, `service 1/2 running, 1 pending, rollout IN_PROGRESS, 1m12s`: the same words in
 * the live view, the CI lines and the hotswap's rollout line (a followRollout snapshot reads as it is).
 */
import { elapsed } from "../duration.js";
import type { EngineEvent } from "../orchestrator/events.js";

export interface ServiceProgress {
  readonly running: number;
  readonly desired: number;
  readonly pending: number;
  readonly rolloutState: string;
  readonly elapsedMs: number;
}

export type ServiceProgressEvent = Extract<EngineEvent, { type: "node-service" }>;

export function describeServiceProgress(progress: ServiceProgress): string {
  const pending = progress.pending > 0 ? `, ${progress.pending} pending` : "";
  return `service ${progress.running}/${progress.desired} running${pending}, rollout ${progress.rolloutState}, ${elapsed(Math.max(0, progress.elapsedMs))}`;
}

/** A rollout still in progress has lasted until `now`; a finished one (COMPLETED, FAILED) until the look that saw it end. */
export function serviceProgressAt(event: ServiceProgressEvent, now: number): ServiceProgress {
  const until = event.rolloutState === "IN_PROGRESS" ? now : event.at;
  return { running: event.running, desired: event.desired, pending: event.pending, rolloutState: event.rolloutState, elapsedMs: until - event.rolloutSince };
}

/** What a change is for the CI lines: the counts or the state, not the time (else every look would be news). */
export const serviceProgressKey = (event: ServiceProgressEvent): string => `${event.running}/${event.desired}/${event.pending}/${event.rolloutState}`;
