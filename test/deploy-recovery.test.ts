/**
 * What deploy does with a stack it finds in a state it cannot update from (stack-recovery.ts): it says what it
 * does about it, recreates only a failed first create (which holds nothing), continues a failed rollback only
 * when asked and within its bound, and stops with the exact next step wherever only a person can decide.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { NodeResult } from "../src/orchestrator/results.js";
import { DEFAULT_POLL } from "../src/orchestrator/watch.js";
import { defaultResourceMs } from "./support/fake-cloud/index.js";
import { deployHarness, nameInArn, type Harness } from "./support/deploy-harness.js";

const name = (stack: string, env = "dev") => `alert-engine-${stack}-${env}`;
type NeedsRecovery = Extract<NodeResult, { kind: "needs-recovery" }>;
const notesOf = (result: NodeResult | undefined) => ((result as { notes?: string[] } | undefined)?.notes ?? []).join("\n");
/** Calls naming the stack, by name or by its ARN (…:stack/<name>/<uuid>). */
const callsOn = (h: Harness, command: string, stack: string) =>
  h.cloud.callsOf(command).filter((c) => nameInArn((c.input as { StackName?: string }).StackName ?? "") === stack);

describe("deploy recovering a stack it cannot update from", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("says it continues an UPDATE_ROLLBACK_FAILED rollback when asked to", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.cloud.changeStackBehindOurBack(name("storage"), (stack) => void (stack.status = "UPDATE_ROLLBACK_FAILED"));
    const report = await h.deploy("dev", { continueRollback: true });
    expect(notesOf(report.results.get("storage"))).toContain("UPDATE_ROLLBACK_FAILED: continuing the rollback (--continue-rollback)");
  });

  it("gives up on a continued rollback that outlasts the operation bound, naming its status and the bound, and deploys nothing on it", async () => {
    let slowRollback = false;
    // The log group's revert is what the continued rollback retries; from then on it takes 30 min.
    h = deployHarness({ latency: { resourceMs: (type) => (slowRollback && type === "AWS::Logs::LogGroup" ? 30 * 60_000 : defaultResourceMs(type)) } });
    await h.deploy("dev");
    h.cloud.failResource({ stack: name("network"), logicalId: "ServiceLogGroup", operation: "update", times: 1 });
    h.cloud.failRollback({ stack: name("network") });
    const env = { ...h.environment("dev"), logRetentionDays: 30 };
    await h.deploy("dev", { env });
    expect(h.cloud.stack(name("network"))?.status).toBe("UPDATE_ROLLBACK_FAILED");

    slowRollback = true;
    const changeSetsBefore = callsOn(h, "CreateChangeSet", name("network")).length;
    const report = await h.deploy("dev", { env, continueRollback: true, poll: { ...DEFAULT_POLL, operationTimeoutMs: 10 * 60_000 } });
    expect(report.results.get("network")).toMatchObject({
      kind: "failed",
      status: "UPDATE_ROLLBACK_IN_PROGRESS",
      message: "the continued rollback is still UPDATE_ROLLBACK_IN_PROGRESS after 10 min; run the deploy again once it ends",
    });
    expect((report.results.get("network") as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(callsOn(h, "CreateChangeSet", name("network")).length).toBe(changeSetsBefore);
    expect(report.results.get("backend")?.kind).toBe("skipped");
  });

  it("updates a stack an express deploy left UPDATE_FAILED, saying that it retries what failed and keeps what succeeded", async () => {
    h = deployHarness();
    await h.deploy("dev", { express: true });
    h.cloud.failResource({ stack: name("network"), logicalId: "ServiceLogGroup", operation: "update", times: 1 });
    const env = { ...h.environment("dev"), logRetentionDays: 30 };
    await h.deploy("dev", { env, express: true });
    expect(h.cloud.stack(name("network"))?.status).toBe("UPDATE_FAILED");

    const report = await h.deploy("dev", { env });
    expect(report.results.get("network")).toMatchObject({ kind: "deployed", action: "update" });
    expect(notesOf(report.results.get("network"))).toContain(
      "UPDATE_FAILED without rollback (an express deploy failed here): updating it again retries what failed and keeps what succeeded",
    );
  });

  it("speaks of REVIEW_IN_PROGRESS only for the stack that is in it", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "REVIEW_IN_PROGRESS" });
    const report = await h.deploy("dev");
    expect(notesOf(report.results.get("storage"))).toContain("REVIEW_IN_PROGRESS: the stack holds only change sets that were never executed");
    for (const stack of ["network", "auth", "backend", "domain"] as const) expect(notesOf(report.results.get(stack)), stack).not.toContain("REVIEW_IN_PROGRESS");
  });

  it("names the stack, its state and CloudFormation's reason when it stops for a person", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "ROLLBACK_FAILED", statusReason: "The following resource(s) failed to delete: [Bucket]. " });
    h.cloud.putStack({ name: name("auth"), status: "DELETE_FAILED" });
    const report = await h.deploy("dev");
    const storage = report.results.get("storage") as NeedsRecovery;
    expect(storage.message).toBe("alert-engine-storage-dev is ROLLBACK_FAILED: The following resource(s) failed to delete: [Bucket]. ");
    // No reason recorded: the message ends with the state, nothing made up after it.
    expect((report.results.get("auth") as NeedsRecovery).message).toBe("alert-engine-auth-dev is DELETE_FAILED");
  });

  it("a ROLLBACK_FAILED first create: the step says the rollback failed too and how to keep what cannot be deleted", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "ROLLBACK_FAILED" });
    const report = await h.deploy("dev");
    const result = report.results.get("storage") as NeedsRecovery;
    expect(result.recovery).toMatch(/first create failed and so did its rollback/);
    expect(result.recovery).toContain("aws cloudformation delete-stack --stack-name alert-engine-storage-dev (add --retain-resources for any that cannot be deleted)");
  });

  it("a state it has no recipe for (IMPORT_ROLLBACK_FAILED): stops, changes nothing, and points at the stack's events", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "IMPORT_ROLLBACK_FAILED" });
    const report = await h.deploy("dev");
    expect(report.results.get("storage")).toMatchObject({
      kind: "needs-recovery",
      recovery: "inspect the stack's events: aws cloudformation describe-stack-events --stack-name alert-engine-storage-dev",
    });
    expect(h.cloud.mutatingCalls().filter((c) => (c.input as { StackName?: string }).StackName === name("storage"))).toEqual([]);
  });
});

describe("deploy recreating a failed first create", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("lifts the termination protection a failed first create kept, recreates the stack, and protects it again", async () => {
    h = deployHarness();
    const prod = h.environment("prod");
    h.cloud.putStack({ name: name("storage", "prod"), status: "ROLLBACK_COMPLETE", terminationProtection: true });
    const report = await h.deploy("prod", { env: prod });
    expect(report.results.get("storage")).toMatchObject({ kind: "deployed", action: "create" });
    expect(h.cloud.stack(name("storage", "prod"))).toMatchObject({ status: "CREATE_COMPLETE", terminationProtection: true });
  });

  it("leaves the protection of an unprotected failed stack alone: deleting it takes nothing but DeleteStack", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "ROLLBACK_COMPLETE" });
    const report = await h.deploy("dev");
    expect(report.results.get("storage")).toMatchObject({ kind: "deployed", action: "create" });
    expect(callsOn(h, "DeleteStack", name("storage"))).toHaveLength(1);
    expect(callsOn(h, "UpdateTerminationProtection", name("storage"))).toEqual([]);
  });

  it("stops with the recovery step when CloudFormation cannot delete the failed stack, creating nothing", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "ROLLBACK_COMPLETE" });
    h.cloud.failStackDeletion({ stack: name("storage") });
    const report = await h.deploy("dev");
    const result = report.results.get("storage") as NeedsRecovery;
    expect(result).toMatchObject({ kind: "needs-recovery", status: "DELETE_FAILED", message: "could not delete the failed stack alert-engine-storage-dev" });
    expect(result.recovery).toContain("a deletion failed: remove what blocks it (see the events), then: aws cloudformation delete-stack --stack-name alert-engine-storage-dev");
    expect(h.cloud.stack(name("storage"))?.status).toBe("DELETE_FAILED");
    expect(callsOn(h, "CreateChangeSet", name("storage"))).toEqual([]);
    expect(report.results.get("backend")?.kind).toBe("skipped");
  });
});
