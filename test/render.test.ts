import { describe, expect, it } from "vitest";
import { plainRenderer } from "../src/render/plain.js";
import { summaryJson, summaryText } from "../src/render/summary.js";
import type { DeployReport } from "../src/orchestrator/deploy/deploy.js";
import { loadEnvironment } from "../src/env/load.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { commandText } from "../src/render/command-line.js";
import { failureReport } from "../src/render/failure.js";

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

describe("plain renderer (CI and pipes)", () => {
  it("prints timestamped lines for starts, resource events, messages and results", () => {
    const lines: string[] = [];
    const render = plainRenderer((l) => lines.push(l));
    render({ type: "node-started", node: "network", at: T0 });
    render({ type: "resource-event", node: "network", at: T0 + 1000, logicalId: "Vpc", resourceType: "AWS::EC2::VPC", status: "CREATE_FAILED", reason: "limit exceeded" });
    render({ type: "node-finished", node: "network", at: T0 + 2000, result: { kind: "failed", message: "create failed (ROLLBACK_COMPLETE)", durationMs: 2000, rootCause: { stack: "s", logicalId: "Vpc", resourceType: "AWS::EC2::VPC", reason: "limit exceeded" } } });
    expect(lines).toEqual([
      "2026-11-25T09:00:00Z network     started",
      "2026-11-25T09:00:01Z network     CREATE_FAILED        Vpc (AWS::EC2::VPC) limit exceeded",
      // The cause is explained once, in the summary at the end; the resource event above already showed it as it happened.
      "2026-11-25T09:00:02Z network     FAILED after 2.0s: create failed (ROLLBACK_COMPLETE)",
    ]);
  });

  it("shows a quiet wait when its state changes and then once a minute, not on every poll", () => {
    const lines: string[] = [];
    const render = plainRenderer((l) => lines.push(l));
    for (let s = 0; s <= 150; s += 15) {
      render({ type: "node-progress", node: "certificate", at: T0 + s * 1000, status: `PENDING_VALIDATION waiting ${s}s for CNAME _x.api.` });
    }
    render({ type: "node-progress", node: "certificate", at: T0 + 151_000, status: "ISSUED after 2m31s" });
    expect(lines.map((l) => l.slice(21))).toEqual([
      "certificate PENDING_VALIDATION waiting 0s for CNAME _x.api.",
      "certificate PENDING_VALIDATION waiting 60s for CNAME _x.api.",
      "certificate PENDING_VALIDATION waiting 120s for CNAME _x.api.",
      "certificate ISSUED after 2m31s",
    ]);
  });
});

describe("run summary", () => {
  const env = loadEnvironment("dev", { vars: {}, cwd: "/nonexistent" });
  const report: DeployReport = {
    env,
    interrupted: false,
    discardedChangeSets: [],
    results: new Map([
      ["network", { kind: "unchanged", outputs: { VpcId: "vpc-1" }, durationMs: 900 }],
      ["backend", { kind: "needs-recovery", status: "UPDATE_ROLLBACK_FAILED", message: "stuck", recovery: "run with --continue-rollback" }],
      ["domain", { kind: "skipped", because: ["backend"], message: "not started: backend did not complete" }],
    ]),
  };
  const facts = { totalMs: 65_000, image: { tag: "v7", uri: "123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@sha256:0123456789abcdef0123" } };

  it("as JSON: per stack the action, status, outputs and failure; the run's time, image and API URL", () => {
    const json = summaryJson(report, facts);
    expect(json.ok).toBe(false);
    expect(json).toMatchObject({ durationMs: 65_000, image: facts.image, apiUrl: "https://api.dev-alert-engine.totogicore.com" });
    expect(json.stacks.network).toMatchObject({ action: "unchanged", outputs: { VpcId: "vpc-1" }, durationMs: 900 });
    expect(json.stacks.backend).toMatchObject({ action: "needs-recovery", status: "UPDATE_ROLLBACK_FAILED", failure: { recovery: "run with --continue-rollback" } });
    expect(json.stacks.domain).toMatchObject({ action: "skipped", failure: { message: "not started: backend did not complete" } });
  });

  it("as text: the verdict with the total time, each stack once, the image, then what to do about the one that needs recovery", () => {
    expect(summaryText(report, facts).split("\n")).toEqual([
      "dev: FAILED after 1m05s",
      "  network     no changes (0.9s)",
      "  backend     NEEDS RECOVERY (UPDATE_ROLLBACK_FAILED): the next step is at the end",
      "  domain      skipped: not started: backend did not complete",
      "  image       v7 (sha256:0123456789ab)",
      "",
      "backend needs recovery: stuck",
      "  next      run with --continue-rollback",
    ]);
  });
});

describe("failure layout", () => {
  const env = loadEnvironment("stage", { vars: {}, cwd: "/nonexistent" });
  const failed: NodeResult = {
    kind: "failed",
    message: "update failed (UPDATE_ROLLBACK_COMPLETE)",
    durationMs: 300_000,
    rootCause: { stack: "alert-engine-backend-stage", logicalId: "Service", resourceType: "AWS::ECS::Service", reason: "Service did not stabilize" },
    evidence: ["1 stopped task: Essential container in task exited; app: exit code 137", "target 10.0.0.1:8000 unhealthy — Target.Timeout"],
  };

  it("names the root cause first, then the evidence, then the logs command with the options that reach the same account", () => {
    const command = (words: string) => commandText(words, { variables: [], options: ["--profile", "stage-admin"] });
    expect(failureReport("backend", failed, { env, command })).toEqual([
      "backend failed: Service (AWS::ECS::Service): Service did not stabilize",
      "  stack     update failed (UPDATE_ROLLBACK_COMPLETE)",
      "  evidence  1 stopped task: Essential container in task exited; app: exit code 137",
      "            target 10.0.0.1:8000 unhealthy — Target.Timeout",
      "  next      npm run orchestrate -- logs stage --since 1h --profile stage-admin",
    ]);
  });

  it("without a root cause the engine's message leads; a resource outside ECS gets no logs command", () => {
    const refused: NodeResult = { kind: "failed", message: "termination protection could not be changed", durationMs: 0 };
    const lines = failureReport("network", refused, { env });
    expect(lines[0]).toBe("network failed: termination protection could not be changed");
    expect(lines.join("\n")).not.toMatch(/ logs /);
    expect(failureReport("network", { kind: "unchanged", outputs: {}, durationMs: 1 }, { env })).toEqual([]);
  });
});
