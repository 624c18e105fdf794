import { afterEach, describe, expect, it } from "vitest";
import { synthesize } from "../src/templates/stack.js";
import { stackDefinition } from "../src/templates/index.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { ABANDONED_AFTER_MS } from "../src/orchestrator/deploy/live-runs.js";
import { CreateChangeSetCommand, DeleteChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { S3Api } from "../src/aws/s3.js";
import { deployHarness, FAST_RETRY, nameInArn, type Harness } from "./support/deploy-harness.js";

const name = (stack: string, env = "dev") => `alert-engine-${stack}-${env}`;
const failure = (r: NodeResult | undefined) => r as Extract<NodeResult, { kind: "failed" }>;

describe("deploy under trouble", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("names the first failing resource and its reason, skips dependents and finishes independent stacks", async () => {
    h = deployHarness();
    h.cloud.failResource({ stack: name("storage"), logicalId: "Bucket", reason: "alert-engine-data already exists" });
    const report = await h.deploy("dev");

    const storage = failure(report.results.get("storage"));
    expect(storage.kind).toBe("failed");
    expect(storage.status).toBe("ROLLBACK_COMPLETE");
    expect(storage.rootCause).toEqual({ stack: name("storage"), logicalId: "Bucket", resourceType: "AWS::S3::Bucket", reason: "alert-engine-data already exists" });
    expect(report.results.get("backend")).toMatchObject({ kind: "skipped", because: ["storage"] });
    expect(report.results.get("domain")).toMatchObject({ kind: "skipped", because: ["backend"] });
    expect(report.results.get("network")?.kind).toBe("deployed");
    expect(report.results.get("auth")?.kind).toBe("deployed");
    expect(h.cloud.stack(name("backend"))).toBeUndefined();
  });

  it("shows events and names the failing resource when this machine's clock runs ahead of AWS's", async () => {
    h = deployHarness();
    // Events carry AWS's timestamps (the fake's clock); the engine reads a local clock 2 min ahead of it (seen on WSL).
    const ahead = { now: () => h.cloud.clock.now() + 120_000, sleep: (ms: number) => h.cloud.clock.sleep(ms) };
    h.cloud.failResource({ stack: name("storage"), logicalId: "Bucket", reason: "alert-engine-data already exists" });
    const report = await h.deploy("dev", { clock: ahead });

    expect(failure(report.results.get("storage")).rootCause).toEqual({ stack: name("storage"), logicalId: "Bucket", resourceType: "AWS::S3::Bucket", reason: "alert-engine-data already exists" });
    const shown = (node: string) => h.events.filter((e) => e.type === "resource-event" && e.node === node).length;
    expect(shown("storage")).toBeGreaterThan(0);
    expect(shown("network")).toBeGreaterThan(0);
  });

  it("reports the real cause, not the 'Resource creation cancelled' noise after it", async () => {
    h = deployHarness();
    h.cloud.failResource({ stack: name("network"), logicalId: "NatGateway1", reason: "The maximum number of addresses has been reached." });
    const report = await h.deploy("dev");
    const cause = failure(report.results.get("network")).rootCause!;
    expect(cause.logicalId).toBe("NatGateway1");
    expect(cause.reason).toBe("The maximum number of addresses has been reached.");
    const cancelled = h.cloud.stack(name("network"))?.events.filter((e) => /cancelled/i.test(e.reason ?? "")) ?? [];
    expect(cancelled.length).toBeGreaterThan(0); // the noise was there, and was not chosen
  });

  it("converges when run again after a failure: the failed first create is deleted and created again, saying so", async () => {
    h = deployHarness();
    h.cloud.failResource({ stack: name("auth"), logicalId: "UserPool", times: 1 });
    const first = await h.deploy("dev");
    expect(first.results.get("auth")?.kind).toBe("failed");
    expect(h.cloud.stack(name("auth"))?.status).toBe("ROLLBACK_COMPLETE");

    const second = await h.deploy("dev");
    expect(second.results.get("auth")).toMatchObject({ kind: "deployed", action: "create" });
    expect((second.results.get("auth") as { notes: string[] }).notes.join()).toMatch(/ROLLBACK_COMPLETE after a failed first create: deleting/);
    for (const stack of ["network", "storage", "backend", "domain"] as const) expect(second.results.get(stack)?.kind).toMatch(/unchanged|deployed/);
    expect(h.cloud.stack(name("domain"))?.status).toBe("CREATE_COMPLETE");

    const third = await h.deploy("dev");
    expect([...third.results.values()].every((r) => r.kind === "unchanged")).toBe(true);
  });

  it("treats UPDATE_ROLLBACK_COMPLETE as a normal state to update from", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.cloud.failResource({ stack: name("network"), logicalId: "ServiceLogGroup", operation: "update", times: 1 });
    const env = { ...h.environment("dev"), logRetentionDays: 30 };
    const failed = await h.deploy("dev", { env });
    expect(failure(failed.results.get("network")).status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(failure(failed.results.get("network")).rootCause?.logicalId).toBe("ServiceLogGroup");

    const again = await h.deploy("dev", { env });
    expect(again.results.get("network")).toMatchObject({ kind: "deployed", action: "update" });
  });

  it("reuses a stack left in REVIEW_IN_PROGRESS by an unexecuted change set", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status: "REVIEW_IN_PROGRESS" });
    const report = await h.deploy("dev");
    expect(report.results.get("storage")).toMatchObject({ kind: "deployed", action: "create" });
    const created = h.cloud.callsOf("CreateChangeSet").find((c) => (c.input as { StackName: string }).StackName === name("storage"));
    expect((created!.input as { ChangeSetType: string }).ChangeSetType).toBe("CREATE");
  });

  it("waits for someone else's operation to finish, then deploys", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const template = synthesize(stackDefinition("auth"), h.environment("dev"));
    h.cloud.putStack({ name: name("auth"), status: "UPDATE_IN_PROGRESS", template, tags: { Project: "alert-engine", Environment: "dev" }, completesAfterMs: 5 * 60_000 });
    const started = h.cloud.clock.now();
    const report = await h.deploy("dev");
    expect(report.results.get("auth")?.kind).toMatch(/deployed|unchanged/);
    expect((report.results.get("auth") as { notes: string[] }).notes.join()).toMatch(/UPDATE_IN_PROGRESS from another operation: waiting/);
    expect(h.cloud.clock.now() - started).toBeGreaterThanOrEqual(5 * 60_000);
  });

  it("gives up waiting on someone else's operation after the bound, changing nothing", async () => {
    h = deployHarness();
    h.cloud.putStack({ name: name("auth"), status: "UPDATE_IN_PROGRESS", completesAfterMs: 10 * 60 * 60_000 });
    const report = await h.deploy("dev", { poll: { eventsEveryMs: 2_000, statusMinMs: 2_000, statusMaxMs: 30_000, othersTimeoutMs: 60_000, operationTimeoutMs: 3_600_000 } });
    expect(failure(report.results.get("auth")).message).toMatch(/another operation kept the stack UPDATE_IN_PROGRESS for over 1 min/);
    // The summary says how long the stack was waited on ("FAILED after 1m…"), not 0 s.
    expect(failure(report.results.get("auth")).durationMs).toBeGreaterThanOrEqual(60_000);
    expect(h.cloud.callsOf("CreateChangeSet").filter((c) => (c.input as { StackName: string }).StackName === name("auth"))).toEqual([]);
  });

  it.each(["ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"] as const)("never deletes a stack in %s: stops with the recovery step", async (status) => {
    h = deployHarness();
    h.cloud.putStack({ name: name("storage"), status });
    const report = await h.deploy("dev");
    const result = report.results.get("storage") as Extract<NodeResult, { kind: "needs-recovery" }>;
    expect(result.kind).toBe("needs-recovery");
    expect(result.recovery).toMatch(status === "UPDATE_ROLLBACK_FAILED" ? /--continue-rollback/ : /aws cloudformation delete-stack --stack-name alert-engine-storage-dev/);
    const touching = h.cloud.mutatingCalls().filter((c) => (c.input as { StackName?: string }).StackName === name("storage"));
    expect(touching).toEqual([]);
    expect(report.results.get("backend")?.kind).toBe("skipped");
  });

  it("continues an UPDATE_ROLLBACK_FAILED rollback when asked, then deploys", async () => {
    h = deployHarness();
    await h.deploy("dev");
    h.cloud.changeStackBehindOurBack(name("storage"), (stack) => void (stack.status = "UPDATE_ROLLBACK_FAILED"));
    const report = await h.deploy("dev", { continueRollback: true });
    expect(h.cloud.callsOf("ContinueUpdateRollback")).toHaveLength(1);
    // A token makes a retry after a lost response the same request, not one the new state refuses.
    expect((h.cloud.callsOf("ContinueUpdateRollback")[0]!.input as { ClientRequestToken?: string }).ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.results.get("storage")?.kind).toMatch(/deployed|unchanged/);
    expect(h.cloud.stack(name("storage"))?.status).toMatch(/UPDATE_(ROLLBACK_)?COMPLETE/);
  });

  it("on Ctrl-C stops waiting and deletes the change sets it created but did not execute", async () => {
    h = deployHarness();
    const controller = new AbortController();
    let aborted = false;
    const report = await h.deploy("dev", {
      signal: controller.signal,
      emit: (event) => {
        h.events.push(event);
        // Interrupt the moment the first stack has a change set waiting.
        if (!aborted && event.type === "node-progress" && event.status.startsWith("creating")) {
          aborted = true;
          setImmediate(() => controller.abort(new Error("interrupted")));
        }
      },
    });
    expect(report.interrupted).toBe(true);
    expect(report.discardedChangeSets.length).toBeGreaterThan(0);
    for (const entry of report.discardedChangeSets) {
      const stack = entry.split(":")[0]!;
      expect(h.cloud.stack(stack)?.changeSets.filter((c) => c.executionStatus === "AVAILABLE") ?? []).toEqual([]);
    }
    expect(report.results.get("domain")?.kind).toBe("skipped");
  });

  it("on Ctrl-C says so when a change set it made could not be removed, with the command to do it by hand", async () => {
    h = deployHarness();
    h.cloud.mocks.CloudFormation.on(DeleteChangeSetCommand).rejects(Object.assign(new Error("User is not authorized to perform: cloudformation:DeleteChangeSet"), { name: "AccessDenied" }));
    const controller = new AbortController();
    let aborted = false;
    const report = await h.deploy("dev", {
      signal: controller.signal,
      emit: (event) => {
        if (!aborted && event.type === "node-progress" && event.status.startsWith("creating")) {
          aborted = true;
          setImmediate(() => controller.abort(new Error("interrupted")));
        }
      },
    });
    expect(report.discardedChangeSets.length).toBeGreaterThan(0);
    for (const line of report.discardedChangeSets) expect(line).toMatch(/could not remove .*not authorized.*aws cloudformation delete-change-set --stack-name alert-engine-\w+-dev --change-set-name /);
  });

  it("refuses a template over the 51,200-byte TemplateBody limit with a clear message, or stages it in S3", async () => {
    h = deployHarness();
    // A huge description is the least intrusive way to push a real template over the limit.
    const original = stackDefinition("auth").description;
    Object.assign(stackDefinition("auth"), { description: "x".repeat(60_000) });
    try {
      const refused = await h.deploy("dev");
      expect(failure(refused.results.get("auth")).message).toMatch(/over CloudFormation's 51200-byte TemplateBody limit: pass --template-bucket BUCKET/);
      expect(h.cloud.stack(name("auth"))).toBeUndefined();

      h.cloud.putBucket("deploy-templates");
      const s3 = new S3Api(h.clients.s3, FAST_RETRY);
      const staged = await h.deploy("dev", { stageTemplate: (stack, body) => s3.uploadTemplate("deploy-templates", `${stack}.json`, body) });
      expect(staged.results.get("auth")).toMatchObject({ kind: "deployed", action: "create" });
      expect(h.cloud.callsOf("CreateChangeSet").some((c) => (c.input as { TemplateURL?: string }).TemplateURL?.endsWith("alert-engine-auth-dev.json"))).toBe(true);
    } finally {
      Object.assign(stackDefinition("auth"), { description: original });
    }
  });

  it("retries throttling and transient network errors and still deploys", async () => {
    h = deployHarness();
    h.cloud.throttle({ command: "DescribeStacks", times: 5 });
    h.cloud.throttle({ command: "CreateChangeSet", times: 2 });
    h.cloud.networkError({ command: "DescribeStackEvents", times: 3 });
    const report = await h.deploy("dev");
    expect([...report.results.values()].every((r) => r.kind === "deployed" || r.kind === "unchanged")).toBe(true);
    expect(h.cloud.calls.filter((c) => c.error === "ThrottlingException").length).toBeGreaterThanOrEqual(7);
  });

  it("asks before executing when approval is required, and a 'no' changes nothing", async () => {
    h = deployHarness();
    const asked: string[] = [];
    const report = await h.deploy("dev", { approval: "any-change", approve: async (review) => (asked.push(review.stack), false) });
    expect(asked.sort()).toEqual([name("auth"), name("network"), name("storage")]);
    expect(h.cloud.callsOf("ExecuteChangeSet")).toEqual([]);
    expect(failure(report.results.get("network")).message).toMatch(/not approved; nothing was changed/);
  });
});

describe("deploy after a run killed between creating and executing a change set", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("removes the stale change set it left, but not a review's, and updates the stack", async () => {
    h = deployHarness();
    await h.deploy("dev");
    const env = { ...h.environment("dev"), logRetentionDays: 30 };
    const template = JSON.stringify(synthesize(stackDefinition("network"), env));
    const leave = async (ChangeSetName: string, Description: string) =>
      h.clients.cloudformation.send(
        new CreateChangeSetCommand({ StackName: name("network"), ChangeSetName, ChangeSetType: "UPDATE", TemplateBody: template, Description, Tags: [{ Key: "Project", Value: "alert-engine" }, { Key: "Environment", Value: "dev" }] }),
      );
    await leave("orchestrate-killed", "created by orchestrate deploy");
    await leave("review-kept", "orchestrate review review-kept");
    await h.cloud.clock.sleep(ABANDONED_AFTER_MS + 1_000); // a run that old is over: it will never execute its change set

    const report = await h.deploy("dev", { env });
    expect(report.results.get("network")).toMatchObject({ kind: "deployed", action: "update" });
    expect((report.results.get("network") as { notes: string[] }).notes.join()).toMatch(/removed change set orchestrate-killed/);
    const left = h.cloud.stack(name("network"))!.changeSets.map((c) => c.name);
    expect(left).not.toContain("orchestrate-killed");
    // DeleteChangeSet names a change set by name or by ARN: compare names.
    const deleted = h.cloud.callsOf("DeleteChangeSet").map((c) => nameInArn((c.input as { ChangeSetName: string }).ChangeSetName));
    expect(deleted).toContain("orchestrate-killed");
    expect(deleted).not.toContain("review-kept");
  });
});

describe("a backend whose tasks keep stopping", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("names ECS's stop reason while the service is still being created, long before CloudFormation gives up", async () => {
    const serviceMs = 30 * 60_000;
    h = deployHarness({ latency: { resourceMs: (type) => (type === "AWS::ECS::Service" ? serviceMs : 1_000) } });
    h.cloud.failResource({ stack: name("backend"), logicalId: "Service", reason: "Resource handler returned message: \"Service did not stabilize\"" });
    let troubleAt = 0;
    const report = await h.deploy("dev", {
      emit: (event) => {
        h.events.push(event);
        // The crash loop starts once ECS begins creating the service.
        if (!troubleAt && event.type === "resource-event" && event.logicalId === "Service" && event.status === "CREATE_IN_PROGRESS") {
          troubleAt = event.at;
          h.cloud.ecsTrouble({ stoppedReason: "Essential container in task exited", containerReason: "ModuleNotFoundError: No module named 'app'", exitCode: 1 });
        }
      },
    });
    expect(report.results.get("backend")?.kind).toBe("failed");
    const early = h.events.find((e) => e.type === "node-message" && e.node === "backend" && e.text.startsWith("while deploying:"));
    expect(early).toBeDefined();
    expect((early as { text: string }).text).toMatch(/stopped task.*Essential container in task exited.*ModuleNotFoundError.*\(the server exited: read its logs with npm run orchestrate -- logs dev --since 1h\)/);
    expect(early!.at - troubleAt).toBeLessThanOrEqual(2 * 60_000);
    const failedAt = h.events.find((e) => e.type === "node-finished" && e.node === "backend")!.at;
    expect(failedAt - early!.at).toBeGreaterThan(20 * 60_000);
    // Said once, not every minute.
    expect(h.events.filter((e) => e.type === "node-message" && e.node === "backend" && e.text.startsWith("while deploying:"))).toHaveLength(1);
  });
});
