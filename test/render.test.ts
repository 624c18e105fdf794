import { describe, expect, it } from "vitest";
import { plainRenderer } from "../src/render/plain.js";
import { summaryJson, summaryText } from "../src/render/summary.js";
import type { DeployReport } from "../src/orchestrator/deploy.js";
import type { Environment } from "../src/env/model.js";

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
      "2026-11-25T09:00:02Z network     FAILED: create failed (ROLLBACK_COMPLETE) — Vpc (AWS::EC2::VPC): limit exceeded",
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
  const env = { name: "dev", region: "us-east-2" } as Environment;
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

  it("as JSON: per stack the action, status, outputs and failure", () => {
    const json = summaryJson(report);
    expect(json.ok).toBe(false);
    expect(json.stacks.network).toMatchObject({ action: "unchanged", outputs: { VpcId: "vpc-1" }, durationMs: 900 });
    expect(json.stacks.backend).toMatchObject({ action: "needs-recovery", status: "UPDATE_ROLLBACK_FAILED", failure: { recovery: "run with --continue-rollback" } });
    expect(json.stacks.domain).toMatchObject({ action: "skipped", failure: { message: "not started: backend did not complete" } });
  });

  it("as text: the verdict and the next step for each stack", () => {
    const text = summaryText(report);
    expect(text.split("\n")[0]).toBe("dev: FAILED");
    expect(text).toContain("next step: run with --continue-rollback");
  });
});
