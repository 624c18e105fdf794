/** Timestamped lines for CI logs and pipes: every event visible, nothing that needs a terminal. */
import type { EngineEvent, EventSink } from "../orchestrator/events.js";
import { describeResult } from "./describe.js";

export function plainRenderer(write: (line: string) => void = (line) => console.log(line)): EventSink {
  return (event: EngineEvent) => {
    const stamp = new Date(event.at).toISOString().replace(/\.\d+Z$/, "Z");
    const node = event.node.padEnd(11);
    switch (event.type) {
      case "node-started":
        return write(`${stamp} ${node} started`);
      case "node-progress":
        return; // the resource events already say it, line by line
      case "resource-event":
        return write(`${stamp} ${node} ${event.status.padEnd(20)} ${event.logicalId} (${event.resourceType})${event.reason ? ` ${event.reason}` : ""}`);
      case "node-message":
        return write(`${stamp} ${node} ${event.text}`);
      case "node-finished":
        return write(`${stamp} ${node} ${describeResult(event.result)}`);
    }
  };
}
