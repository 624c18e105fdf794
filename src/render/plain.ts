/** Timestamped lines for CI logs and pipes: every event visible, nothing that needs a terminal. */
import type { EngineEvent, EventSink } from "../orchestrator/events.js";
import { succeeded } from "../orchestrator/results.js";
import { describeResult, progressText } from "./describe.js";
import { describeServiceProgress, serviceProgressAt, serviceProgressKey } from "./service-progress.js";

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
  // The engine looks at the service every few seconds; a CI log wants the moments something changed.
  const lastService = new Map<string, string>();
  const serviceChanged = (node: string, key: string) => lastService.get(node) !== key && Boolean(lastService.set(node, key));
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
        if (!serviceChanged(event.node, serviceProgressKey(event))) return;
        return write(`${stamp} ${node} ${describeServiceProgress(serviceProgressAt(event, event.at))}`);
      case "node-finished":
        return write(`${stamp} ${node} ${describeResult(event.result)}`);
    }
  };
}
