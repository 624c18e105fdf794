import { afterEach, describe, expect, it } from "vitest";
import { stackName } from "../src/env/model.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const STACK_IDS = ["network", "storage", "auth", "backend", "domain"] as const;

describe("deploy: a whole environment against the fake cloud", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it.each(["dev", "stage", "prod"])("creates every stack of a fresh %s and passes outputs downstream", async (name) => {
    h = deployHarness();
    const report = await h.deploy(name);
    const env = h.environment(name);
    for (const id of STACK_IDS) {
      expect(report.results.get(id)).toMatchObject({ kind: "deployed", action: "create" });
      expect(h.cloud.stack(stackName(env, id))?.status).toBe("CREATE_COMPLETE");
    }
    expect(report.results.get("certificate")?.kind).toMatch(/deployed|unchanged/);
    const backend = h.cloud.stack(stackName(env, "backend"))!;
    const network = h.cloud.stack(stackName(env, "network"))!;
    expect(backend.parameters.VpcId).toBe(network.outputs.VpcId);
    expect(backend.parameters.CertificateArn).toMatch(/^arn:aws:acm:/);
    expect(backend.parameters.ImageUri).toMatch(new RegExp(`^${h.cloud.account}\\.dkr\\.ecr\\.us-east-2\\.amazonaws\\.com/alert-engine-${name}@sha256:[0-9a-f]+$`));
    expect(h.cloud.stack(stackName(env, "domain"))!.parameters.LoadBalancerDnsName).toBe(backend.outputs.LoadBalancerDnsName);
    expect(backend.tags).toEqual({ Project: "alert-engine", Environment: name });
    expect(backend.terminationProtection).toBe(name === "prod");
  });

  it("runs network, storage and auth together and backend only after all three complete", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const executed = (stack: string) => h.cloud.callsOf("ExecuteChangeSet").find((c) => (c.input as { StackName: string }).StackName === stack)!.at;
    const completed = (stack: string) => h.cloud.stack(stack)!.events.find((e) => e.logicalId === stack && e.status === "CREATE_COMPLETE")!.at;
    const [network, storage, auth, backend] = ["network", "storage", "auth", "backend"].map((s) => `alert-engine-${s}-dev`) as [string, string, string, string];
    const firstWave = [network, storage, auth];
    // Overlap: every first-wave stack starts before any of them finishes.
    expect(Math.max(...firstWave.map(executed))).toBeLessThan(Math.min(...firstWave.map(completed)));
    expect(h.cloud.callsOf("CreateChangeSet").find((c) => (c.input as { StackName: string }).StackName === backend)!.at).toBeGreaterThanOrEqual(
      Math.max(...firstWave.map(completed)),
    );
  });

  it("changes nothing on a second deploy: no change set created or executed", async () => {
    h = deployHarness();
    await h.deploy("stage");
    const before = h.cloud.calls.length;
    const report = await h.deploy("stage");
    const second = h.cloud.calls.slice(before);
    for (const id of STACK_IDS) expect(report.results.get(id)?.kind).toBe("unchanged");
    expect(second.filter((c) => ["CreateChangeSet", "ExecuteChangeSet"].includes(c.command))).toEqual([]);
    expect(report.results.get("domain")).toMatchObject({ outputs: { ApiUrl: "https://api.stage-alert-engine.totogicore.com" } });
  });

  it("rolls out a new image pushed under the same tag: the task definition pins the digest", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const before = h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri;
    const pushed = h.cloud.putImage("alert-engine-dev", "latest"); // a new build, pushed as latest again
    const report = await h.deploy("dev");
    expect(report.results.get("backend")).toMatchObject({ kind: "deployed", action: "update" });
    const after = h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri;
    expect(after).not.toBe(before);
    expect(after).toMatch(new RegExp(`@${pushed.digest}$`));
    expect((report.results.get("backend") as { notes: string[] }).notes).toContain("changed: parameters ImageUri");
    for (const id of ["network", "storage", "auth", "domain"] as const) expect(report.results.get(id)?.kind).toBe("unchanged");
  });

  it("calls a stack unchanged when CloudFormation hands its template back reformatted", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", (stack) => {
      const parsed = JSON.parse(stack.templateBody) as Record<string, unknown>;
      const reordered = Object.fromEntries(Object.entries(parsed).reverse());
      stack.templateBody = JSON.stringify(reordered, null, 4);
    });
    const report = await h.deploy("dev");
    expect(report.results.get("storage")?.kind).toBe("unchanged");
    expect(h.cloud.callsOf("CreateChangeSet").filter((c) => (c.input as { StackName: string }).StackName === "alert-engine-storage-dev")).toHaveLength(1);
  });

  it("updates only the stack whose template changed", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const env = { ...h.environment("dev"), logRetentionDays: 14 };
    const report = await h.deploy("dev", { env });
    expect(report.results.get("network")).toMatchObject({ kind: "deployed", action: "update" });
    for (const id of ["storage", "auth", "backend", "domain"] as const) expect(report.results.get(id)?.kind).toBe("unchanged");
    expect((report.results.get("network") as { notes: string[] }).notes).toContain("changed: template");
    expect(h.cloud.stack("alert-engine-network-dev")!.template.Resources.ServiceLogGroup?.Properties?.RetentionInDays).toBe(14);
  });

  it("deploys a subset with upstream values read from the deployed stacks", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const env = { ...h.environment("dev"), cpu: 1024, memoryMiB: 2048 };
    const before = h.cloud.calls.length;
    const report = await h.deploy("dev", { env, only: ["backend", "domain"] });
    expect([...report.results.keys()].sort()).toEqual(["backend", "domain"]);
    expect(report.results.get("backend")).toMatchObject({ kind: "deployed", action: "update" });
    const touched = new Set(h.cloud.calls.slice(before).filter((c) => c.command === "CreateChangeSet").map((c) => (c.input as { StackName: string }).StackName));
    expect([...touched]).toEqual(["alert-engine-backend-dev"]);
  });

  it("refuses a subset whose upstream stack was never deployed, naming it", async () => {
    h = deployHarness();
    const report = await h.deploy("dev", { only: ["backend"] });
    expect(report.results.get("backend")).toMatchObject({ kind: "failed" });
    expect((report.results.get("backend") as { message: string }).message).toMatch(/needs VpcId from stack alert-engine-network-dev.*deploy network first/);
    expect(h.cloud.callsOf("CreateChangeSet")).toEqual([]);
  });

  it("streams resource events and progress for each stack", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const progress = h.events.filter((e) => e.type === "node-progress" && e.node === "backend");
    expect(progress.some((e) => e.type === "node-progress" && e.total === 13 && (e.done ?? 0) > 0)).toBe(true);
    expect(h.events.some((e) => e.type === "resource-event" && e.node === "network" && e.logicalId === "Vpc" && e.status === "CREATE_COMPLETE")).toBe(true);
  });
});
