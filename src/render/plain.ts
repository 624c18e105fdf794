/** Timestamped lines for CI logs and pipes: every event visible, nothing that needs a terminal. */
import type { EngineEvent, EventSink } from "../orchestrator/events.js";
import { succeeded } from "../orchestrator/results.js";
import { describeResult, progressText } from "./describe.js";
import { describeServiceProgress, serviceProgressAt, serviceProgressKey, type ServiceProgressEvent } from "./service-progress.js";

/** A progress line is repeated at most this often, so a long quiet wait (the certificate) still shows it is alive. */
const HEARTBEAT_MS = 60_000;

/** `errors`: only what went wrong (a resource that failed, a stack that did not finish); the summary says the rest. */
const isTrouble = (event: EngineEvent) =>
  (event.type === "resource-event" && /_FAILED$/.test(event.status)) ||
  (event.type === "node-finished" && !succeeded(event.result) && event.result.kind !== "skipped");

export function plainRenderer(write: (line: string) => void, options: { only?: "all" | "errors" } = {}): EventSink {
  const all = plainLines(write);
  return options.only === "errors" ? (event) => void (isTrouble(event) && all(event)) : all;
}

function plainLines(write: (line: string) => void): EventSink {
  const lastProgress = new Map<string, { state: string; at: number }>();
  const progressWorthPrinting = (node: string, status: string, at: number) => {
    const state = status.split(/\s/)[0] ?? status;
    const last = lastProgress.get(node);
    if (last && last.state === state && at - last.at < HEARTBEAT_MS) return false;
    lastProgress.set(node, { state, at });
    return true;
  };
  const serviceWorthPrinting = serviceNews();
  return (event: EngineEvent) => {
    const stamp = new Date(event.at).toISOString().replace(/\.\d+Z$/, "Z");
    const node = event.node.padEnd(11);
    switch (event.type) {
      case "node-started":
        return write(`${stamp} ${node} started`);
      case "node-progress":
        if (!progressWorthPrinting(event.node, event.status, event.at)) return;
        return write(`${stamp} ${node} ${progressText(event, event.at)}`);
      case "resource-event":
        return write(`${stamp} ${node} ${event.status.padEnd(20)} ${event.logicalId} (${event.resourceType})${event.reason ? ` ${event.reason}` : ""}`);
      case "node-message":
        return write(`${stamp} ${node} ${event.text}`);
      case "node-service":
        if (!serviceWorthPrinting(event)) return;
        return write(`${stamp} ${node} ${describeServiceProgress(serviceProgressAt(event, event.at))}`);
      case "node-finished":
        return write(`${stamp} ${node} ${describeResult(event.result)}`);
    }
  };
}

/** A crash loop cycles through the same counts every minute or so, for as long as CloudFormation waits (hours). */
const SERVICE_REPEAT_MS = 5 * 60_000;

/**
 * The engine looks at the service every few seconds; a CI log wants the moments something changed: new counts or
 * state, and a state this rollout already printed only after SERVICE_REPEAT_MS (a crash loop is not news each cycle).
 */
function serviceNews(): (event: ServiceProgressEvent) => boolean {
  const nodes = new Map<string, { rolloutSince: number; last: string; printedAt: Map<string, number> }>();
  return (event) => {
    const key = serviceProgressKey(event);
    let seen = nodes.get(event.node);
    if (!seen || seen.rolloutSince !== event.rolloutSince) nodes.set(event.node, (seen = { rolloutSince: event.rolloutSince, last: "", printedAt: new Map() }));
    if (key === seen.last) return false;
    seen.last = key;
    const printed = seen.printedAt.get(key);
    if (printed !== undefined && event.at - printed < SERVICE_REPEAT_MS) return false;
    seen.printedAt.set(key, event.at);
    return true;
  };
}
