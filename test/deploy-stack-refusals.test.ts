/**
 * One stack's deploy when CloudFormation says no: a change set name taken, a change set that failed or
 * disappeared, an execution refused, a reviewed change set that cannot run. Each ends the stack with what
 * happened and what to do; a refusal (nothing ran in CloudFormation) is never followed by a diagnosis.
 * Driven through the engine (deploy-harness) against the stateful fake cloud.
 */
import { CloudFormationServiceException, CreateChangeSetCommand, DeleteChangeSetCommand, ExecuteChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { describe, expect, it } from "vitest";
import type { StackId } from "../src/env/model.js";
import type { ChangeSetReview } from "../src/orchestrator/deploy/deploy-context.js";
import type { DeployReport, DeployRequest } from "../src/orchestrator/deploy/deploy.js";
import { DEPLOY_CHANGE_SET, EXECUTE_WITHIN_MS } from "../src/orchestrator/deploy/live-runs.js";
import { isReviewedChangeSetCurrent } from "../src/orchestrator/deploy/reviewed-change-sets.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { synthesize } from "../src/templates/stack.js";
import { stackDefinition } from "../src/templates/index.js";
// Loaded up front: the CLI imports its command module when it runs, in real time, while virtual time runs on.
import "../src/cli/changeset-run.js";
import { cliHarness, environmentFrom, writeConfig } from "./support/cli-harness.js";
import { awsError } from "./support/fake-cloud/errors.js";
import { changeSetsVanishingOn, freshHarnessEachTest, nameInArn, type Harness } from "./support/deploy-harness.js";

type Failed = Extract<NodeResult, { kind: "failed" }>;
const failed = (report: DeployReport, node: StackId) => report.results.get(node) as Failed;
const notesOf = (report: DeployReport, node: StackId) => ((report.results.get(node) as { notes?: string[] }).notes ?? []).join("\n");
/** The change set name a deploy started now gives its change sets (runs are named by the millisecond they start). */
const runName = (h: Harness) => `orchestrate-${new Date(h.cloud.clock.now()).toISOString().replace(/[-:.]/g, "")}`;
const name = (stack: StackId, env = "dev") => `alert-engine-${stack}-${env}`;
const onStack = (h: Harness, command: string, stack: string) =>
  h.cloud.callsOf(command).filter((c) => nameInArn((c.input as { StackName?: string }).StackName ?? "") === stack);
const accessDenied = (action: string) =>
  awsError(CloudFormationServiceException, "AccessDenied", `User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: cloudformation:${action}`, { status: 403 });
/** A dev whose network (log retention) and backend (task size) differ from what is deployed. */
const changedDev = (h: Harness) => ({ ...h.environment("dev"), logRetentionDays: 14, cpu: 1024, memoryMiB: 2048 });

let h: Harness;
freshHarnessEachTest((fresh) => (h = fresh));

/** The engine's diagnosis hook, recording which stacks it was asked about; it finds nothing. */
function diagnosis(): { diagnosed: StackId[]; diagnose: DeployRequest["diagnose"] } {
  const diagnosed: StackId[] = [];
  return {
    diagnosed,
    diagnose: async (node) => {
      diagnosed.push(node);
      return [];
    },
  };
}

/**
 * The changed dev deployed with every change set asked about and approved; `whileAsked` happens while the backend's
 * change set waits for its answer.
 */
function deployWhileBackendAsked(diagnose: DeployRequest["diagnose"], whileAsked: (review: ChangeSetReview) => Promise<unknown>): Promise<DeployReport> {
  return h.deploy("dev", {
    env: changedDev(h),
    diagnose,
    approval: "any-change",
    approve: async (review) => {
      if (review.stack === name("backend")) await whileAsked(review);
      return true;
    },
  });
}

describe("CreateChangeSet refused", () => {
  it("the name taken by a deploy started in the same instant: refused as such, nothing made, no diagnosis", async () => {
    await h.deploy("dev");
    const env = changedDev(h);
    // Another run started in this same millisecond: its change set already carries this run's name.
    const sameName = runName(h);
    const network = h.cloud.stack(name("network"))!;
    await h.clients.cloudformation.send(new CreateChangeSetCommand({ StackName: network.name, ChangeSetName: sameName, ChangeSetType: "UPDATE", TemplateBody: JSON.stringify(synthesize(stackDefinition("network"), env)), Description: DEPLOY_CHANGE_SET, Tags: Object.entries(network.tags).map(([Key, Value]) => ({ Key, Value })) }));
    const { diagnosed, diagnose } = diagnosis();
    const report = await h.deploy("dev", { env, diagnose });

    expect(failed(report, "network")).toMatchObject({
      kind: "failed",
      refused: true,
      message: `another deploy started in the same instant already made change set ${sameName} on ${network.name}; nothing of ours was made or ran. Wait for that run to finish, then deploy again`,
    });
    expect(diagnosed).not.toContain("network");
    expect(onStack(h, "ExecuteChangeSet", network.name)).toHaveLength(1); // the first deploy's only
    expect(onStack(h, "DeleteChangeSet", network.name)).toEqual([]); // the other run's change set is left to it
  });

  it("denied (AccessDenied): the stack fails with AWS's reason, not as a same-instant clash", async () => {
    await h.deploy("dev");
    h.cloud.mocks.CloudFormation.on(CreateChangeSetCommand).rejects(accessDenied("CreateChangeSet"));
    const report = await h.deploy("dev", { env: changedDev(h) });

    const network = failed(report, "network");
    expect(network.kind).toBe("failed");
    expect(network.message).toMatch(/^AccessDenied: .*not authorized to perform: cloudformation:CreateChangeSet/);
    expect(network.message).not.toMatch(/same instant/);
    expect(network.refused).toBeFalsy();
  });
});

describe("a change set that failed", () => {
  it("a new stack's CREATE change set failing validation: the empty stack CloudFormation made for it is removed, and the failure says so", async () => {
    h.cloud.failValidation({ stack: name("storage"), logicalId: "Bucket", name: "AWS::EarlyValidation::ResourceExistenceCheck", mode: "FAIL", reason: "Bucket alert-engine-data-dev already exists" });
    const report = await h.deploy("dev");

    const storage = failed(report, "storage");
    expect(storage.message).toMatch(/\(the change set and the empty new stack were deleted; nothing ran\): .*Bucket alert-engine-data-dev already exists/);
    expect(onStack(h, "DeleteStack", name("storage"))).toHaveLength(1);
    expect(h.cloud.stack(name("storage"))).toBeUndefined();
    expect(onStack(h, "ExecuteChangeSet", name("storage"))).toEqual([]);
  });

  it("an existing stack's UPDATE change set failing validation: the stack is never deleted, only the change set", async () => {
    await h.deploy("dev");
    h.cloud.failValidation({ stack: name("network"), logicalId: "ServiceLogGroup", name: "AWS::EarlyValidation::PropertyValidation", mode: "FAIL", path: "/Resources/ServiceLogGroup/Properties/RetentionInDays", reason: "#/RetentionInDays: 14 is not allowed here" });
    const report = await h.deploy("dev", { env: changedDev(h) });

    expect(failed(report, "network").message).toMatch(/\(the change set was deleted; nothing ran\): .*14 is not allowed here/);
    expect(onStack(h, "DeleteStack", name("network"))).toEqual([]);
    expect(h.cloud.stack(name("network"))?.status).toBe("CREATE_COMPLETE");
    // An update has no empty new stack to clean up: once its change set is deleted, the stack is not even looked at again.
    const calls = h.cloud.calls.filter((c) => nameInArn((c.input as { StackName?: string }).StackName ?? "") === name("network"));
    const commands = calls.map((c) => c.command);
    expect(commands.slice(commands.lastIndexOf("DeleteChangeSet") + 1)).toEqual([]);
  });

  it("no changes on a stack an express deploy left UPDATE_FAILED: needs recovery, naming the rollback-stack command", async () => {
    await h.deploy("dev", { express: true });
    h.cloud.failResource({ stack: name("network"), logicalId: "ServiceLogGroup", operation: "update", times: 1 });
    await h.deploy("dev", { env: { ...h.environment("dev"), logRetentionDays: 30 }, express: true });
    expect(h.cloud.stack(name("network"))?.status).toBe("UPDATE_FAILED");
    const executed = onStack(h, "ExecuteChangeSet", name("network")).length;

    // Back to what the failed resource still is: CloudFormation finds nothing to retry.
    const report = await h.deploy("dev", { express: true });
    const network = report.results.get("network") as Extract<NodeResult, { kind: "needs-recovery" }>;
    expect(network.kind).toBe("needs-recovery");
    expect(network.status).toBe("UPDATE_FAILED");
    expect(network.message).toBe(
      "alert-engine-network-dev is UPDATE_FAILED and CloudFormation finds nothing to retry in it: roll it back to its last stable state with 'aws cloudformation rollback-stack --stack-name alert-engine-network-dev', then deploy again",
    );
    expect(onStack(h, "ExecuteChangeSet", name("network"))).toHaveLength(executed);
  });
});

describe("--revert-drift", () => {
  it("asks for a drift-aware change set (REVERT_DRIFT) on an existing stack, never on one it creates", async () => {
    await h.deploy("dev", { revertDrift: true });
    const creates = h.cloud.callsOf("CreateChangeSet").map((c) => c.input as { ChangeSetType: string; DeploymentMode?: string });
    expect(creates.length).toBeGreaterThan(0);
    expect(creates.filter((c) => c.ChangeSetType !== "CREATE" || c.DeploymentMode !== undefined)).toEqual([]);

    h.cloud.driftResource(name("network"), "ServiceLogGroup");
    const mark = h.cloud.calls.length;
    await h.deploy("dev", { revertDrift: true });
    const updates = h.cloud.calls.slice(mark).filter((c) => c.command === "CreateChangeSet").map((c) => c.input as { StackName: string; ChangeSetType: string; DeploymentMode?: string });
    expect(updates.find((c) => c.StackName === name("network"))).toMatchObject({ ChangeSetType: "UPDATE", DeploymentMode: "REVERT_DRIFT" });
  });
});

describe("ExecuteChangeSet refused", () => {
  it("the change set gone (ChangeSetNotFound) while the approval was asked: refused as disappeared, no diagnosis", async () => {
    await h.deploy("dev");
    const backend = name("backend");
    const { diagnosed, diagnose } = diagnosis();
    // Meanwhile someone else executed a change set there: CloudFormation deleted every other one, ours too.
    const report = await deployWhileBackendAsked(diagnose, (review) => h.clients.cloudformation.send(new DeleteChangeSetCommand({ StackName: backend, ChangeSetName: review.changeSetName })));

    expect(failed(report, "backend")).toMatchObject({ kind: "failed", refused: true });
    expect(failed(report, "backend").message).toMatch(/^change set orchestrate-\d{8}T\d{9}Z disappeared from alert-engine-backend-dev before we executed it: .*nothing of ours ran; run the deploy again/);
    expect(onStack(h, "ExecuteChangeSet", backend).at(-1)?.error).toBe("ChangeSetNotFoundException");
    expect(diagnosed).not.toContain("backend");
  });

  it("denied (AccessDenied): the failure names AWS's reason, not a stack that changed meanwhile", async () => {
    await h.deploy("dev");
    h.cloud.mocks.CloudFormation.on(ExecuteChangeSetCommand).rejects(accessDenied("ExecuteChangeSet"));
    const report = await h.deploy("dev", { env: changedDev(h) });

    const network = failed(report, "network");
    expect(network.message).toMatch(/^AccessDenied: .*not authorized to perform: cloudformation:ExecuteChangeSet/);
    expect(network.message).not.toMatch(/changed after/);
    expect(network.refused).toBeFalsy();
  });
});

describe("refusals are not diagnosed: nothing ran in CloudFormation", () => {
  it("a change set that disappeared while CloudFormation computed it", async () => {
    await h.deploy("dev");
    const backend = name("backend");
    const cfn = changeSetsVanishingOn(h, backend);
    const { diagnosed, diagnose } = diagnosis();
    const report = await h.deploy("dev", { env: changedDev(h), cfn, diagnose });

    expect(failed(report, "backend")).toMatchObject({ kind: "failed", refused: true, message: expect.stringMatching(/disappeared from alert-engine-backend-dev/) });
    expect(diagnosed).not.toContain("backend");
  });

  it("giving way to another run's change set that came first", async () => {
    await h.deploy("dev");
    const env = changedDev(h);
    const backend = h.cloud.stack(name("backend"))!;
    await h.clients.cloudformation.send(new CreateChangeSetCommand({ StackName: backend.name, ChangeSetName: runName(h), ChangeSetType: "UPDATE", UsePreviousTemplate: true, Capabilities: ["CAPABILITY_NAMED_IAM"], Parameters: Object.keys(backend.parameters).map((ParameterKey) => ({ ParameterKey, UsePreviousValue: true })), Description: DEPLOY_CHANGE_SET, Tags: Object.entries({ ...backend.tags, Owner: "x" }).map(([Key, Value]) => ({ Key, Value })) }));
    await h.cloud.clock.sleep(1_000);
    const { diagnosed, diagnose } = diagnosis();
    const report = await h.deploy("dev", { env, diagnose });

    expect(failed(report, "backend")).toMatchObject({ kind: "failed", refused: true, message: expect.stringMatching(/^another deploy is live on alert-engine-backend-dev/) });
    expect(diagnosed).not.toContain("backend");
  });

  it("an approval answered after the bound", async () => {
    await h.deploy("dev");
    const { diagnosed, diagnose } = diagnosis();
    const report = await deployWhileBackendAsked(diagnose, () => h.cloud.clock.sleep(EXECUTE_WITHIN_MS + 60_000));

    expect(failed(report, "backend")).toMatchObject({ kind: "failed", refused: true, message: expect.stringMatching(/was ready to execute only after 1 h 1 min/) });
    expect(diagnosed).not.toContain("backend");
  });
});

describe("deploy --changeset (a reviewed deploy)", () => {
  const reviewedAs = (review: string, envName = "dev") => ({ name: review, envName, check: isReviewedChangeSetCurrent, command: (words: string) => `npm run orchestrate -- ${words}` });

  it("a stack that does not exist is refused: a reviewed deploy never creates one", async () => {
    const report = await h.deploy("dev", { reviewed: reviewedAs("review-20250101T000000Z") });

    expect(failed(report, "network")).toMatchObject({
      kind: "failed",
      refused: true,
      message: "refused: alert-engine-network-dev does not exist, and a reviewed deploy never creates a stack; nothing was executed on alert-engine-network-dev",
    });
    expect(h.cloud.callsOf("CreateChangeSet")).toEqual([]);
  });

  async function review(config: string) {
    await h.deploy("dev", { env: environmentFrom(writeConfig(h.cloud.account), "dev") });
    const cli = cliHarness(h, config);
    expect(await cli.run(["changeset", "dev"])).toBe(0);
    return /Change sets kept for review \((review-\w+)\)/.exec(cli.output())![1]!;
  }

  it("a reviewed change set that is no longer current is refused, naming the changeset command to run again", async () => {
    const reviewed = await review(writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } }));
    const moved = environmentFrom(writeConfig(h.cloud.account, { dev: { cpu: 2048, memoryMiB: 4096 } }), "dev");
    const report = await h.deploy("dev", { env: moved, reviewed: reviewedAs(reviewed) });

    const backend = failed(report, "backend");
    expect(backend.refused).toBe(true);
    expect(backend.message).toMatch(new RegExp(`^refused: reviewed change set ${reviewed} is not current \\(.+\\); run 'npm run orchestrate -- changeset dev' again and review the new one; nothing was executed on alert-engine-backend-dev$`));
    expect(onStack(h, "ExecuteChangeSet", name("backend")).filter((c) => nameInArn((c.input as { ChangeSetName: string }).ChangeSetName) === reviewed)).toEqual([]);
  });

  it("a current reviewed change set is executed, and the stack's notes say which", async () => {
    const config = writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } });
    const reviewed = await review(config);
    const report = await h.deploy("dev", { env: environmentFrom(config, "dev"), reviewed: reviewedAs(reviewed) });

    expect(report.results.get("backend")).toMatchObject({ kind: "deployed", action: "update" });
    expect(notesOf(report, "backend")).toContain(`executing reviewed change set ${reviewed}`);
  });
});
