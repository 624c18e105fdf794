/**
 * `deploy <env> --changeset NAME` refuses, before anything changes, every way a review can fail to be the whole
 * deploy: change sets that do not say what they were made from or disagree, a --stacks that cuts the review,
 * a stack that cannot be updated or moved on since, a change set CloudFormation will not execute. Each refusal
 * names the stack and why. Driven through the CLI against the stateful fake cloud.
 */
import { ExecuteChangeSetCommand, InvalidChangeSetStatusException, ListChangeSetsCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloudFormationApi } from "../src/aws/cloudformation.js";
import { isReviewedChangeSetCurrent } from "../src/orchestrator/deploy/reviewed-change-sets.js";
import { parseReviewDescription, reviewDescription } from "../src/orchestrator/review/review-record.js";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { awsError } from "./support/fake-cloud/errors.js";
import { deployHarness, FAST_RETRY, freshHarnessEachTest, type Harness } from "./support/deploy-harness.js";

const MUTATING = [
  "CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "CreateStack", "DeleteStack", "UpdateTerminationProtection",
  "RequestCertificate", "ChangeResourceRecordSets", "PutObject", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
];
/** In dev: a longer log retention changes the network stack, a bigger task the backend. */
const NETWORK_AND_BACKEND = { dev: { cpu: 1024, memoryMiB: 2048, logRetentionDays: 14 } };
const reviewName = (cli: Cli) => /Change sets kept for review \((review-\w+)\)/.exec(cli.lastOutput())?.[1];
const stackOf = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;

describe("deploy --changeset NAME refuses what the review does not cover, naming the stack and why", () => {
  let h: Harness;
  let config: string;
  let cfn: CloudFormationApi;
  beforeEach(() => {
    h = deployHarness();
    config = writeConfig(h.cloud.account);
    cfn = new CloudFormationApi(h.clients.cloudformation, FAST_RETRY);
  });
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  const mutationsSince = (before: number) => h.cloud.calls.slice(before).filter((c) => MUTATING.includes(c.command));
  /** A deployed dev, then `changeset dev` with `reviewConfig` (and flags): the review's name and its CLI. */
  async function reviewed(reviewConfig = config, flags: string[] = []) {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const cli = cliHarness(h, reviewConfig);
    expect(await cli.run(["changeset", "dev", ...flags])).toBe(0);
    return { cli, review: reviewName(cli)! };
  }
  /** A change set made by hand on a stack under `name` (a tag change, so it has changes). */
  async function byHand(stackName: string, name: string, description: string) {
    const stack = h.cloud.stack(stackName)!;
    await cfn.createChangeSet({ stackName: stack.name, changeSetName: name, type: "UPDATE", template: { body: stack.templateBody }, parameters: stack.parameters, tags: { ...stack.tags, Owner: "x" }, capabilities: [], description });
  }
  const byHandOnNetwork = (name: string, description: string) => byHand("alert-engine-network-dev", name, description);

  it("change sets of that name that do not record what they were made from: names those stacks only", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    await byHandOnNetwork(review, "made by hand");
    await byHand("alert-engine-storage-dev", review, "made by hand");
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toContain(`Cannot deploy dev (us-east-2) with review ${review}:\n  - change set ${review} on alert-engine-network-dev, alert-engine-storage-dev does not record what it was made from`);
    expect(out).not.toMatch(/alert-engine-backend-dev/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("change sets of one name that record different images: refused, nothing executed", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    const [backendSet] = (await cfn.listChangeSets("alert-engine-backend-dev")).filter((c) => c.name === review);
    const record = parseReviewDescription(backendSet!.description)!;
    await byHandOnNetwork(review, reviewDescription(review, { ...record, imageTag: "v3" }));
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.lastOutput()).toMatch(new RegExp(`the change sets named ${review} were made from different images or environment values`));
    expect(mutationsSince(before)).toEqual([]);
  });

  it("another change set on a stack of the review (someone else's) is no part of it: only the named one runs", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    // Another review's change set on the same stack, and one made by hand: neither is this review's.
    await byHandOnNetwork("someone-elses", "made by hand");
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review]), cli.lastOutput()).toBe(0);
    expect(mutationsSince(before).filter((c) => c.command === "ExecuteChangeSet").map(stackOf)).toEqual(["alert-engine-backend-dev"]);
  });

  it("ListChangeSets denied: fails with AWS's reason (exit 1), not as a review that does not exist", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    h.cloud.mocks.CloudFormation.on(ListChangeSetsCommand).rejects(
      Object.assign(new Error("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:ListChangeSets"), { name: "AccessDenied" }),
    );
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev", "--changeset", "review-20990101T000000Z"])).toBe(1);
    expect(cli.lastOutput()).toMatch(/not authorized to perform: cloudformation:ListChangeSets/);
    expect(cli.lastOutput()).not.toMatch(/no change set/);
  });

  it("--image-tag naming the review's own tag is no contradiction: the review runs", async () => {
    const v2 = h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    expect(await cli.run(["deploy", "dev", "--changeset", review, "--image-tag", "v2"]), cli.lastOutput()).toBe(0);
    expect(h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri).toMatch(new RegExp(`@${v2.digest}$`));
  });

  it("a contradicting --image-tag and moved environment values are refused together, each named", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { review } = await reviewed(config, ["--image-tag", "v2"]);
    const moved = cliHarness(h, writeConfig(h.cloud.account, { dev: { logLevel: "INFO", logRetentionDays: 14 } }));
    expect(await moved.run(["deploy", "dev", "--changeset", review, "--image-tag", "latest"])).toBe(2);
    const out = moved.lastOutput();
    expect(out).toMatch(/--image-tag latest contradicts review-\w+, which was made with image tag v2/);
    expect(out).toMatch(/environment values differ from the review's: logLevel, logRetentionDays: run the deploy command the review printed/);
  });

  it("the reviewed digest is deployed although the tag was pushed again since the review", async () => {
    const reviewedImage = h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    h.cloud.clock.advance(60_000);
    const repushed = h.cloud.putImage("alert-engine-dev", "v2");
    expect(repushed.digest).not.toBe(reviewedImage.digest);

    expect(await cli.run(["deploy", "dev", "--changeset", review]), cli.lastOutput()).toBe(0);
    expect(h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri).toMatch(new RegExp(`@${reviewedImage.digest}$`));
  });

  it("all its change sets gone because their stacks were updated: names those stacks, one a line, and only those", async () => {
    const changed = writeConfig(h.cloud.account, NETWORK_AND_BACKEND);
    const { cli, review } = await reviewed(changed);
    // Someone deploys the same change the ordinary way meanwhile: executing deletes the review's change sets.
    expect(await cli.run(["deploy", "dev"])).toBe(0);

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    const out = cli.lastOutput();
    const gone = "not current: the stack was updated since the review, and CloudFormation deleted its other change sets";
    expect(out).toContain(`\n      alert-engine-network-dev: ${gone}\n      alert-engine-backend-dev: ${gone}\n`);
    for (const id of ["storage", "auth", "domain"]) expect(out).not.toContain(`alert-engine-${id}-dev`);
    expect(out.match(/: not current: /g)).toHaveLength(2);
  });

  it("a name orchestrate did not make is said never to exist, without claiming any stack was updated since", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const cli = cliHarness(h, config);
    expect(await cli.run(["deploy", "dev", "--changeset", "my-review"])).toBe(2);
    expect(cli.lastOutput()).toMatch(/no change set my-review in dev/);
    expect(cli.lastOutput()).not.toMatch(/not current/);
  });

  it("--stacks that leaves out a stack with the review's change set: refused, naming it (a review runs whole)", async () => {
    const changed = writeConfig(h.cloud.account, NETWORK_AND_BACKEND);
    const { cli, review } = await reviewed(changed);
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review, "--stacks", "backend"])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toContain(`Cannot deploy dev (us-east-2) with review ${review}; nothing was changed:\n  - alert-engine-network-dev: has change set ${review}, which --stacks leaves out: a review runs whole; drop --stacks or include network`);
    expect(out).not.toMatch(/alert-engine-(storage|auth|domain|backend)-dev:/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("--stacks covering every stack of the review executes it: a stack left out without a change set is no problem", async () => {
    const v2 = h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review, "--stacks", "backend"]), cli.lastOutput()).toBe(0);
    expect(mutationsSince(before).filter((c) => c.command === "ExecuteChangeSet").map(stackOf)).toEqual(["alert-engine-backend-dev"]);
    expect(h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri).toMatch(new RegExp(`@${v2.digest}$`));
  });

  it("a reviewed stack whose inputs cannot be resolved is named with what is missing; --stacks without the certificate does not ask for one", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    h.cloud.services.acm.certificates.splice(0); // deleted by hand
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review, "--stacks", "backend"])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toMatch(/alert-engine-backend-dev: needs CertificateArn from the certificate step, which has not produced it/);
    expect(out).not.toMatch(/would have to be requested/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a certificate that would have to be requested is refused with the command that creates it", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    h.cloud.services.acm.certificates.splice(0); // deleted by hand
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.lastOutput()).toMatch(/the certificate for dev does not exist and would have to be requested, which no review covers: create it with 'npm run orchestrate -- deploy dev --config \S+' \(without --changeset\)/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a reviewed change set on a stack that already matches it would not be executed: an error, never 'no changes'", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    const { parameters } = (await cfn.changeSetInputs("alert-engine-backend-dev", review))!;
    // The stack reaches the reviewed state without executing the change set (the fake keeps it AVAILABLE).
    h.cloud.changeStackBehindOurBack("alert-engine-backend-dev", (stack) => void (stack.parameters = { ...parameters }));
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.lastOutput()).toMatch(new RegExp(`alert-engine-backend-dev: change set ${review} would not be executed: the stack already matches it`));
    expect(mutationsSince(before)).toEqual([]);
  });

  it("--stacks: a stack left out is not the review's business, whatever its state", async () => {
    const v2 = h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    h.cloud.changeStackBehindOurBack("alert-engine-auth-dev", (stack) => void (stack.status = "UPDATE_ROLLBACK_FAILED"));
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review, "--stacks", "backend"]), cli.lastOutput()).toBe(0);
    expect(mutationsSince(before).filter((c) => c.command === "ExecuteChangeSet").map(stackOf)).toEqual(["alert-engine-backend-dev"]);
    expect(h.cloud.stack("alert-engine-backend-dev")!.parameters.ImageUri).toMatch(new RegExp(`@${v2.digest}$`));
    expect(h.cloud.stack("alert-engine-auth-dev")!.status).toBe("UPDATE_ROLLBACK_FAILED");
  });

  it("a stack that cannot be updated is not recovered by a reviewed deploy: its status and the next step are named", async () => {
    const changed = writeConfig(h.cloud.account, NETWORK_AND_BACKEND);
    const { cli, review } = await reviewed(changed);
    h.cloud.changeStackBehindOurBack("alert-engine-backend-dev", (stack) => void (stack.status = "UPDATE_ROLLBACK_FAILED"));
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toMatch(/alert-engine-backend-dev: UPDATE_ROLLBACK_FAILED: a reviewed deploy does not recover stacks; run 'npm run orchestrate -- deploy dev --config \S+' or 'npm run orchestrate -- status dev --config \S+' for the next step/);
    expect(out).not.toMatch(/alert-engine-network-dev/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a stack left empty in REVIEW_IN_PROGRESS counts as not existing: a reviewed deploy never creates it", async () => {
    const changed = writeConfig(h.cloud.account, NETWORK_AND_BACKEND);
    const { cli, review } = await reviewed(changed);
    h.cloud.changeStackBehindOurBack("alert-engine-domain-dev", (stack) => void (stack.status = "REVIEW_IN_PROGRESS"));

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.lastOutput()).toMatch(/alert-engine-domain-dev does not exist yet: a reviewed deploy executes change sets only and never creates a stack; create it with 'npm run orchestrate -- deploy dev --config \S+' \(its review shows it from the local template\)/);
  });

  it("a stack updated since the review to something no review covers: 'not current', naming that stack only", async () => {
    const changed = writeConfig(h.cloud.account, NETWORK_AND_BACKEND);
    const { review } = await reviewed(changed);
    // Someone deploys another backend the ordinary way meanwhile: CloudFormation deletes its review change set.
    const other = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 2048, memoryMiB: 4096 } }));
    expect(await other.run(["deploy", "dev", "--stacks", "backend"])).toBe(0);
    const before = h.cloud.calls.length;

    const deployer = cliHarness(h, changed);
    expect(await deployer.run(["deploy", "dev", "--changeset", review])).toBe(2);
    const out = deployer.lastOutput();
    expect(out).toMatch(/alert-engine-backend-dev: not current: the stack was updated since the review, and it has changes no review covers/);
    expect(out).not.toMatch(/alert-engine-network-dev/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a stack updated between the check and ExecuteChangeSet: refused, and the review's change set is left to the review", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    const backend = h.cloud.services.cloudFormation.find("alert-engine-backend-dev")!;
    // Someone's update lands in the instant after the check: CloudFormation marks the change set OBSOLETE and
    // refuses to execute it (ExecuteChangeSet: InvalidChangeSetStatusException).
    h.cloud.mocks.CloudFormation.on(ExecuteChangeSetCommand).callsFake(() => {
      backend.changeSets.get(review)!.executionStatus = "OBSOLETE";
      throw awsError(InvalidChangeSetStatusException, "InvalidChangeSetStatusException", `ChangeSet [${review}] cannot be executed in its current execution status of [OBSOLETE]`);
    });

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(1);
    expect(cli.lastOutput()).toMatch(/alert-engine-backend-dev changed after change set review-\w+ was made .* \(OBSOLETE\): nothing was executed/);
    // Only our own unexecuted change sets are ours to delete: the review's stays for whoever reviewed it.
    expect(h.cloud.callsOf("DeleteChangeSet")).toEqual([]);
    expect(backend.changeSets.has(review)).toBe(true);
  });

  it("an upstream output that moved since the review changes the reviewed stack's parameters: 'not current', naming them", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    h.cloud.changeStackBehindOurBack("alert-engine-storage-dev", (stack) => {
      for (const output of stack.outputs) if (output.key === "BucketName") output.value = `${output.value}-moved`;
    });
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toMatch(/alert-engine-backend-dev: not current: parameters changed since the review: BucketName; review again/);
    expect(out).not.toMatch(/alert-engine-storage-dev/);
    expect(mutationsSince(before)).toEqual([]);
  });

  it("a change set CloudFormation marks OBSOLETE (its stack was already updated) is not current", async () => {
    h.cloud.putImage("alert-engine-dev", "v2");
    const { cli, review } = await reviewed(config, ["--image-tag", "v2"]);
    // ChangeSetSummary.ExecutionStatus: "a change set might be … in an OBSOLETE state because the stack was
    // already updated" (CloudFormation API reference). The fake never makes one by itself: set it as AWS would.
    h.cloud.services.cloudFormation.find("alert-engine-backend-dev")!.changeSets.get(review)!.executionStatus = "OBSOLETE";

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    expect(cli.lastOutput()).toMatch(new RegExp(`alert-engine-backend-dev: not current: the stack was updated since the review \\(change set ${review} is OBSOLETE\\)`));
  });

  it("run again after its execution failed: each executed change set is named with its status, nothing runs twice", async () => {
    const changed = writeConfig(h.cloud.account, NETWORK_AND_BACKEND);
    const { cli, review } = await reviewed(changed);
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "TaskDefinition", operation: "update", times: 1 });
    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(1);
    const before = h.cloud.calls.length;

    expect(await cli.run(["deploy", "dev", "--changeset", review])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toMatch(new RegExp(`alert-engine-network-dev: not current: change set ${review} is EXECUTE_COMPLETE`));
    expect(out).toMatch(new RegExp(`alert-engine-backend-dev: not current: change set ${review} is EXECUTE_FAILED`));
    expect(mutationsSince(before)).toEqual([]);
  });
});

describe("isReviewedChangeSetCurrent: the reviewed change set runs only with the parameters deploy would pass now", () => {
  let h: Harness;
  freshHarnessEachTest((fresh) => (h = fresh));

  /** dev deployed, then reviewed with a bigger task: the backend's review change set and what it was made from. */
  async function reviewedBackend() {
    const config = writeConfig(h.cloud.account);
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { cpu: 1024, memoryMiB: 2048 } }));
    expect(await cli.run(["changeset", "dev"])).toBe(0);
    const review = reviewName(cli)!;
    const cfn = new CloudFormationApi(h.clients.cloudformation, FAST_RETRY);
    const stack = "alert-engine-backend-dev";
    const templateBody = (await cfn.changeSetTemplateBody(stack, review))!;
    const { parameters } = (await cfn.changeSetInputs(stack, review))!;
    return { cli, review, cfn, stack, templateBody, parameters };
  }

  it("a parameter added or dropped since the review counts as changed, and every changed one is named", async () => {
    const { cli, review, cfn, stack, templateBody, parameters } = await reviewedBackend();
    const { VpcId, ...withoutVpc } = parameters;
    expect(VpcId).toBeDefined();

    expect(await isReviewedChangeSetCurrent(cfn, stack, review, { templateBody, parameters: { ...parameters, Added: "x" } })).toEqual({ current: false, why: "parameters changed since the review: Added" });
    expect(await isReviewedChangeSetCurrent(cfn, stack, review, { templateBody, parameters: withoutVpc })).toEqual({ current: false, why: "parameters changed since the review: VpcId" });
    expect(await isReviewedChangeSetCurrent(cfn, stack, review, { templateBody, parameters: { ...parameters, VpcId: "vpc-other", Added: "x" } })).toEqual({ current: false, why: "parameters changed since the review: VpcId, Added" });
    // Gone because the stack was updated since (executing another change set deletes it), or gone otherwise.
    expect(await isReviewedChangeSetCurrent(cfn, stack, "review-29990101T000000Z", { templateBody, parameters })).toEqual({ current: false, why: `${stack} has no change set review-29990101T000000Z: it was discarded, executed, or never made for this stack` });
    expect(await cli.run(["deploy", "dev"])).toBe(0);
    expect(await isReviewedChangeSetCurrent(cfn, stack, review, { templateBody, parameters })).toEqual({ current: false, why: "the stack was updated since the review" });
  });

  it("the same template with its keys in another order is the same template", async () => {
    const { review, cfn, stack, templateBody, parameters } = await reviewedBackend();
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(templateBody) as Record<string, unknown>).reverse()));
    expect(await isReviewedChangeSetCurrent(cfn, stack, review, { templateBody: reordered, parameters })).toEqual({ current: true, changeSetId: expect.stringContaining(`changeSet/${review}/`) });
  });
});
