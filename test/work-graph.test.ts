import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { buildGraph, downstreamOf, layers, reversed, subgraph, type NodeId, type StackGraph } from "../src/orchestrator/graph.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { runGraph } from "../src/orchestrator/work-graph.js";
import { STACKS } from "../src/templates/index.js";

const ok = (): NodeResult => ({ kind: "deployed", action: "create", outputs: {}, durationMs: 0 });
const failed = (): NodeResult => ({ kind: "failed", message: "boom", durationMs: 0 });
const tick = () => new Promise((r) => setTimeout(r, 1));

/** Runs the graph with runners that take a tick each, recording start and finish order. */
async function trace(graph: StackGraph, outcome: (node: NodeId) => NodeResult, concurrency?: number) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  const events: EngineEvent[] = [];
  const results = await runGraph(
    graph,
    async (node) => {
      running++;
      peak = Math.max(peak, running);
      log.push(`start ${node}`);
      await tick();
      log.push(`end ${node}`);
      running--;
      return outcome(node);
    },
    { concurrency, emit: (e) => events.push(e), now: () => 0 },
  );
  return { log, peak, results, events };
}

describe("the stack graph derived from declared inputs", () => {
  const graph = buildGraph(STACKS);

  it("starts certificate, network, storage and auth together, then backend, then domain", () => {
    expect(layers(graph).map((layer) => [...layer].sort())).toEqual([["auth", "certificate", "network", "storage"], ["backend"], ["domain"]]);
  });

  it("tears down in the reverse order", () => {
    expect(layers(reversed(graph)).map((layer) => [...layer].sort())).toEqual([["domain"], ["backend"], ["auth", "certificate", "network", "storage"]]);
  });

  it("knows what depends on a stack", () => {
    expect(downstreamOf(graph, "network").sort()).toEqual(["backend", "domain"]);
    expect(downstreamOf(graph, "domain")).toEqual([]);
  });

  it("drops edges to stacks outside a subset", () => {
    expect(subgraph(graph, ["backend", "domain"]).nodes).toEqual([
      { id: "backend", dependsOn: [] },
      { id: "domain", dependsOn: ["backend"] },
    ]);
  });

  it("refuses a cycle", () => {
    const network = STACKS.find((s) => s.id === "network")!;
    const looped = { ...network, inputs: { Api: { from: "domain" as const, output: "ApiUrl", type: "String" as const } } };
    expect(() => buildGraph([looped, ...STACKS.filter((s) => s.id !== "network")])).toThrow(/Cycle/);
  });
});

describe("runGraph", () => {
  const graph = buildGraph(STACKS);

  it("runs independent nodes in parallel and a node only after all it depends on", async () => {
    const { log, peak } = await trace(graph, ok);
    expect(peak).toBe(4);
    const at = (entry: string) => log.indexOf(entry);
    for (const upstream of ["network", "storage", "auth", "certificate"]) expect(at(`end ${upstream}`)).toBeLessThan(at("start backend"));
    expect(at("end backend")).toBeLessThan(at("start domain"));
  });

  it("respects the concurrency bound", async () => {
    const { peak, results } = await trace(graph, ok, 2);
    expect(peak).toBe(2);
    expect([...results.values()].every((r) => r.kind === "deployed")).toBe(true);
  });

  it("skips what depends on a failure, naming it, and finishes independent nodes", async () => {
    const { results, log } = await trace(graph, (node) => (node === "storage" ? failed() : ok()));
    expect(results.get("storage")?.kind).toBe("failed");
    expect(results.get("network")?.kind).toBe("deployed");
    expect(results.get("auth")?.kind).toBe("deployed");
    expect(results.get("backend")).toMatchObject({ kind: "skipped", because: ["storage"] });
    expect(results.get("domain")).toMatchObject({ kind: "skipped", because: ["backend"] });
    expect(log).not.toContain("start backend");
  });

  it("turns a thrown error into a failed result instead of crashing the run", async () => {
    const results = await runGraph(graph, async (node) => { if (node === "auth") throw new Error("AccessDenied"); return ok(); }, { emit: () => {}, now: () => 0 });
    expect(results.get("auth")).toMatchObject({ kind: "failed", message: "AccessDenied" });
    expect(results.get("domain")?.kind).toBe("skipped");
  });

  it("names the AWS error a node threw, and how long the node ran before it", async () => {
    // An AWS SDK error's message alone ("Rate exceeded") does not say it was throttling; its name does.
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    let clock = 1_000;
    const results = await runGraph(
      graph,
      async (node) => {
        if (node !== "auth") return ok();
        clock += 2_500;
        throw throttled;
      },
      { emit: () => {}, now: () => clock },
    );
    expect(results.get("auth")).toMatchObject({ kind: "failed", message: "ThrottlingException: Rate exceeded", durationMs: 2_500 });
  });

  it("starts nothing new once interrupted", async () => {
    const controller = new AbortController();
    const results = await runGraph(
      graph,
      async (node) => { if (node === "network") controller.abort(); await tick(); return ok(); },
      { signal: controller.signal, emit: () => {}, now: () => 0 },
    );
    expect(results.get("backend")).toMatchObject({ kind: "skipped", message: "not started: interrupted" });
  });

  it("reports each node's start and finish as events", async () => {
    const { events } = await trace(graph, ok);
    expect(events.filter((e) => e.type === "node-started")).toHaveLength(6);
    expect(events.filter((e) => e.type === "node-finished")).toHaveLength(6);
  });
});
