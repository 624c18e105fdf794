import { DeleteRepositoryCommand } from "@aws-sdk/client-ecr";
import { describe, expect, it } from "vitest";
import { CloudFormationApi } from "../src/aws/cloudformation.js";
import { teardown } from "../src/orchestrator/teardown/teardown.js";
import { planTeardown } from "../src/orchestrator/teardown/teardown-plan.js";
import { DEFAULT_POLL } from "../src/orchestrator/watch.js";
import { cliHarness, environmentFrom, freshCliEachTest, writeConfig, type Cli } from "./support/cli-harness.js";
import { FAST_RETRY, nameInArn, type Harness } from "./support/deploy-harness.js";

const STACKS = ["network", "storage", "auth", "backend", "domain"] as const;
const stackNameOf = (c: { input: unknown }) => (c.input as { StackName: string }).StackName;

describe("teardown: remove an environment, keep what must stay", () => {
  let h: Harness;
  let config: string;
  let cli: Cli;
  freshCliEachTest((world) => ({ h, config, cli } = world));

  const deployed = async (name: string) => {
    await h.deploy(name, { env: environmentFrom(config, name) });
    return h.cloud.stack(`alert-engine-storage-${name}`)!.outputs.BucketName!;
  };
  const gone = (name: string) => STACKS.every((id) => h.cloud.stack(`alert-engine-${id}-${name}`) === undefined);

  it("tears down a deployed stage in reverse order, leaving nothing behind", async () => {
    const bucket = await deployed("stage");
    const zoneBefore = h.cloud.records("totogicore.com").filter((r) => r.Type === "CNAME");
    expect(zoneBefore).toHaveLength(1);

    expect(await cli.run(["teardown", "stage", "--yes"])).toBe(0);
    expect(gone("stage")).toBe(true);
    expect(h.cloud.retainedResources()).toEqual([]);
    expect(h.cloud.bucket(bucket)).toBeUndefined();
    expect(h.cloud.certificates().filter((c) => c.domainName === "api.stage-alert-engine.totogicore.com")).toEqual([]);
    expect(h.cloud.records("totogicore.com").filter((r) => r.Type === "CNAME")).toEqual([]);

    const deletes = h.cloud.callsOf("DeleteStack").map((c) => nameInArn(stackNameOf(c)));
    expect(deletes.slice(0, 2)).toEqual(["alert-engine-domain-stage", "alert-engine-backend-stage"]);
    expect(deletes.slice(2).sort()).toEqual(["alert-engine-auth-stage", "alert-engine-network-stage", "alert-engine-storage-stage"]);
    const backendGoneAt = h.cloud.callsOf("DeleteStack")[1]!.at;
    expect(h.cloud.callsOf("DeleteCertificate")[0]!.at).toBeGreaterThan(backendGoneAt);
    expect(cli.output()).toMatch(/stage: torn down/);
    // The plan shown before confirming lists the stacks in the order they will go.
    const plan = cli.output().split("\n").filter((l) => /^  (alert-engine-\w+-stage|certificate) /.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(plan.slice(0, 6)).toEqual(["alert-engine-domain-stage", "alert-engine-backend-stage", "certificate", "alert-engine-network-stage", "alert-engine-storage-stage", "alert-engine-auth-stage"]);
  });

  it("empties a versioned bucket, every version and delete marker, in batches with progress", async () => {
    const bucket = await deployed("stage");
    for (let i = 0; i < 600; i++) {
      h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true });
      h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true, body: "second version" });
    }
    for (let i = 0; i < 100; i++) h.cloud.deleteObject(bucket, `alerts/${i}.json`);
    const entries = h.cloud.bucket(bucket)!.entries;
    expect(entries.filter((e) => e.deleteMarker)).toHaveLength(100);

    expect(await cli.run(["teardown", "stage", "--yes"])).toBe(0);
    expect(h.cloud.bucket(bucket)).toBeUndefined();
    expect(h.cloud.callsOf("DeleteObjects")).toHaveLength(Math.ceil(entries.length / 1000));
    expect(cli.output()).toContain(`s3://${bucket} emptied: ${entries.length} object versions and delete markers deleted`);
  });

  it("refuses prod without --force and the name typed back, changing nothing", async () => {
    await deployed("prod");
    const before = h.cloud.mutatingCalls().length;

    const withoutForce = /refusing to tear down prod without --force; nothing was changed/;
    expect(await cli.run(["teardown", "prod"])).toBe(2);
    expect(cli.lastOutput()).toMatch(withoutForce);
    expect(await cli.run(["teardown", "prod", "--yes"])).toBe(2);
    expect(cli.lastOutput()).toMatch(withoutForce);
    // The name typed back (as CI passes it) is not the opt-in: --force still is.
    expect(await cli.run(["teardown", "prod", "--confirm", "prod"])).toBe(2);
    expect(cli.lastOutput()).toMatch(withoutForce);
    expect(await cli.run(["teardown", "prod", "--yes", "--confirm", "prod"])).toBe(2);
    expect(cli.lastOutput()).toMatch(withoutForce);
    expect(await cli.run(["teardown", "prod", "--force"])).toBe(2);
    expect(cli.lastOutput()).toMatch(/no terminal to ask: pass --force --confirm prod/);
    expect(await cli.run(["teardown", "prod", "--force", "--confirm", "stage"])).toBe(2);
    expect(cli.lastOutput()).toMatch(/--confirm stage does not match the environment prod; nothing was changed/);
    cli.answers.push("prdo");
    expect(await cli.run(["teardown", "prod", "--force"], { interactive: true })).toBe(2);
    expect(cli.questions).toEqual([expect.stringMatching(/Type the environment name \(prod\)/)]);
    expect(cli.lastOutput()).toMatch(/"prdo" is not "prod": teardown cancelled, nothing was changed/);

    const otherAccount = cliHarness(h, writeConfig("999999999999"));
    expect(await otherAccount.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(2);
    expect(otherAccount.lastOutput()).toMatch(/credentials belong to account 123456789012 .* but prod deploys only into account 999999999999/);

    expect(h.cloud.mutatingCalls().length).toBe(before);
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-prod`)?.status).toBe("CREATE_COMPLETE");
  });

  it("Ctrl-C at the confirmation prompt exits 130, changing nothing", async () => {
    await deployed("dev");
    const before = h.cloud.mutatingCalls().length;
    const ctrlC = Object.assign(new Error("Aborted with Ctrl+C"), { name: "AbortError" });
    expect(await cli.run(["teardown", "dev"], { interactive: true, ask: async () => Promise.reject(ctrlC) })).toBe(130);
    expect(h.cloud.mutatingCalls().length).toBe(before);
    for (const id of STACKS) expect(h.cloud.stack(`alert-engine-${id}-dev`)?.status).toBe("CREATE_COMPLETE");
  });

  it("tears down prod with --force and the name, lifting protection and listing the retained resources", async () => {
    await deployed("prod");
    const before = h.cloud.calls.length;
    cli.answers.push("prod");
    expect(await cli.run(["teardown", "prod", "--force"], { interactive: true })).toBe(0);
    expect(gone("prod")).toBe(true);
    const lifted = h.cloud.calls.slice(before).filter((c) => c.command === "UpdateTerminationProtection");
    expect(lifted.map((c) => (c.input as { EnableTerminationProtection: boolean }).EnableTerminationProtection)).toEqual([false, false, false, false, false]);
    // Lifted only after the name was typed back.
    expect(lifted[0]!.at).toBeGreaterThanOrEqual(h.cloud.calls.slice(before).find((c) => c.command === "ListStackResources")!.at);
    // Prod's load balancer refuses deletion until its own protection is off; the plan said it would be lifted.
    expect(cli.output()).toMatch(/alert-engine-backend-prod\s+CREATE_COMPLETE, \d+ resources, termination protection and load balancer deletion protection on \(lifted once you confirm\)/);
    const unprotected = h.cloud.calls.slice(before).filter((c) => c.command === "ModifyLoadBalancerAttributes");
    expect(unprotected.map((c) => (c.input as { Attributes: unknown }).Attributes)).toEqual([[{ Key: "deletion_protection.enabled", Value: "false" }]]);

    // The retained bucket keeps its data: nothing was emptied.
    expect(h.cloud.callsOf("DeleteObjects")).toEqual([]);
    const retained = h.cloud.retainedResources();
    // Prod's access log bucket is an audit trail: retained like the data bucket, with the command to remove it.
    expect(retained.map((r) => r.logicalId).sort()).toEqual(["Bucket", "LogBucket", "ServiceLogGroup", "UserPool"]);
    const out = cli.output();
    expect(out).toMatch(/Retained \(not deleted, by DeletionPolicy Retain\)/);
    for (const r of retained) expect(out).toContain(`${r.stack} ${r.logicalId} (${r.type}) ${r.physicalId}`);
    expect(out).toContain(`aws logs delete-log-group --log-group-name /aws/ecs/alert-engine-prod --region us-east-2`);
    expect(out).toMatch(/aws cognito-idp delete-user-pool --user-pool-id us-east-2_\w+/);
    const logBucket = retained.find((r) => r.logicalId === "LogBucket")!;
    expect(out).toContain(`aws s3 rb s3://${logBucket.physicalId} --region us-east-2`);
  });

  it("shows, per stack, what it deletes, what it keeps and each bucket it empties with its version count, before asking", async () => {
    const bucket = await deployed("stage");
    for (let i = 0; i < 1_200; i++) h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true });
    for (let i = 0; i < 30; i++) h.cloud.deleteObject(bucket, `alerts/${i}.json`);
    const versions = h.cloud.bucket(bucket)!.entries.length;
    const live = (id: string) => Object.keys(h.cloud.stack(`alert-engine-${id}-stage`)!.resources).length;
    const before = h.cloud.mutatingCalls().length;
    cli.answers.push("n");

    expect(await cli.run(["teardown", "stage"], { interactive: true })).toBe(2);
    const plan = cli.output().split("Delete stage?")[0]!;
    expect(cli.questions).toEqual(["Delete stage? [y/N] "]);
    for (const id of STACKS) expect(plan).toMatch(new RegExp(`alert-engine-${id}-stage\\s+CREATE_COMPLETE, ${live(id)} resources\\n\\s+deletes: ${live(id)} resources`));
    expect(plan).toContain(`empties first: s3://${bucket}, ${versions} object versions and delete markers`);
    expect(h.cloud.mutatingCalls().length).toBe(before);
  });

  it("says where it stopped counting a bucket's versions", async () => {
    const bucket = await deployed("stage");
    for (let i = 0; i < 10_001; i++) h.cloud.putObject(bucket, `alerts/${i}.json`, { versioned: true });

    expect(await cli.run(["teardown", "stage", "--yes"])).toBe(0);
    expect(cli.output()).toContain(`empties first: s3://${bucket}, more than 10000 object versions and delete markers (counting stopped there)`);
    expect(h.cloud.bucket(bucket)).toBeUndefined();
  });

  it("keeps a bucket the deployed stack retains, whatever today's config says", async () => {
    await deployed("prod");
    const bucket = h.cloud.stack("alert-engine-storage-prod")!.outputs.BucketName!;
    h.cloud.putObject(bucket, "alerts/precious.json", { versioned: true });
    const relaxed = cliHarness(h, writeConfig(h.cloud.account, { prod: { retainData: false, terminationProtection: false } }));

    expect(await relaxed.run(["teardown", "prod", "--force", "--confirm", "prod"])).toBe(0);
    expect(h.cloud.callsOf("DeleteObjects")).toEqual([]);
    expect(h.cloud.bucket(bucket)!.entries.map((e) => e.key)).toContain("alerts/precious.json");
    const physicalId = h.cloud.retainedResources().find((r) => r.logicalId === "Bucket")!.physicalId;
    expect(relaxed.output()).toMatch(new RegExp(`alert-engine-storage-prod\\s+CREATE_COMPLETE, \\d+ resources.*\\n\\s+deletes: \\d+ resources\\n\\s+keeps: Bucket \\(AWS::S3::Bucket\\) ${physicalId}`));
    expect(relaxed.output()).not.toMatch(/empties first/);
  });

  it("empties a bucket the deployed stack deletes, whatever today's config says", async () => {
    const bucket = await deployed("dev");
    h.cloud.putObject(bucket, "alerts/scratch.json");
    const cautious = cliHarness(h, writeConfig(h.cloud.account, { dev: { retainData: true } }));

    expect(await cautious.run(["teardown", "dev", "--yes"])).toBe(0);
    expect(cautious.output()).toMatch(new RegExp(`empties first: s3://${bucket}, \\d+ object versions and delete markers`));
    expect(h.cloud.bucket(bucket)).toBeUndefined();
  });

  it("does not delete a stack that appeared after the plan was shown", async () => {
    await deployed("dev");
    // The domain stack is gone when the plan is read, and someone creates it again while the question waits.
    const controller = new AbortController();
    const log = (line: string) => {
      cli.lines.push(line);
      if (/ backend\s+started/.test(line)) controller.abort(new Error("Ctrl-C"));
    };
    expect(await cli.run(["teardown", "dev", "--yes"], { signal: controller.signal, log })).toBe(130);
    expect(h.cloud.stack("alert-engine-domain-dev")).toBeUndefined();
    const ask = async () => {
      h.cloud.putStack({ name: "alert-engine-domain-dev", template: { Resources: { Queue: { Type: "AWS::SQS::Queue" } } } });
      return "y";
    };

    expect(await cli.run(["teardown", "dev"], { interactive: true, ask })).toBe(1);
    expect(cli.output()).toMatch(/domain\s+FAILED: alert-engine-domain-dev appeared after the plan was shown: run the teardown again to see it in the plan/);
    expect(h.cloud.stack("alert-engine-domain-dev")?.status).toBe("CREATE_COMPLETE");
    expect(h.cloud.stack("alert-engine-backend-dev")?.status).toBe("CREATE_COMPLETE");
  });

  it("finishes an interrupted teardown when run again", async () => {
    await deployed("dev");
    const controller = new AbortController();
    const log = (line: string) => {
      cli.lines.push(line);
      if (/ backend\s+DELETE_IN_PROGRESS/.test(line)) controller.abort(new Error("interrupted"));
    };
    expect(await cli.run(["teardown", "dev", "--yes"], { signal: controller.signal, log })).toBe(130);
    expect(cli.output()).toMatch(/dev: INTERRUPTED/);
    expect(h.cloud.stack("alert-engine-domain-dev")).toBeUndefined();
    expect(h.cloud.stack("alert-engine-network-dev")?.status).toBe("CREATE_COMPLETE");

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    expect(gone("dev")).toBe(true);
    expect(cli.output()).toMatch(/domain\s+not deployed: nothing to delete/);
  });

  it("names the resource and reason of a failed deletion and stops what depends on it", async () => {
    await deployed("dev");
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "LoadBalancer", operation: "delete", reason: "Load balancer is in use" });

    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(1);
    const out = cli.output();
    expect(out).toMatch(/backend\s+FAILED: deletion failed \(DELETE_FAILED\) — LoadBalancer \(AWS::ElasticLoadBalancingV2::LoadBalancer\): Load balancer is in use/);
    expect(out).toMatch(/next step: .*--retain-resources LoadBalancer/);
    for (const node of ["network", "storage", "auth", "certificate"]) expect(out).toMatch(new RegExp(`${node}\\s+skipped: not started: backend did not complete`));
    expect(h.cloud.stack("alert-engine-domain-dev")).toBeUndefined();
    expect(h.cloud.stack("alert-engine-network-dev")?.status).toBe("CREATE_COMPLETE");

    h.cloud.clearFailures();
    // What the failed deletion already removed is not counted again: live resources only.
    const live = Object.keys(h.cloud.stack("alert-engine-backend-dev")!.resources).length;
    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    expect(cli.output()).toMatch(new RegExp(`alert-engine-backend-dev\\s+DELETE_FAILED, ${live} resources\\n`));
    expect(gone("dev")).toBe(true);
  });

  it("names a failed deletion's resource even when this machine's clock runs ahead of AWS's", async () => {
    await deployed("dev");
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "LoadBalancer", operation: "delete", reason: "Load balancer is in use" });
    // Events carry AWS's timestamps (the fake's clock); the engine reads a local clock 2 min ahead of it (seen on WSL).
    const ahead = { now: () => h.cloud.clock.now() + 120_000, sleep: (ms: number) => h.cloud.clock.sleep(ms) };
    expect(await cli.run(["teardown", "dev", "--yes"], { clock: ahead })).toBe(1);
    expect(cli.output()).toMatch(/backend\s+FAILED: deletion failed \(DELETE_FAILED\) — LoadBalancer \(AWS::ElasticLoadBalancingV2::LoadBalancer\): Load balancer is in use/);
  });

  it("reads the events once more when the status, not the events, announced the end", async () => {
    await deployed("dev");
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "LoadBalancer", operation: "delete", reason: "Load balancer is in use" });
    // A DescribeStacks answer that takes a while (throttled, retried): the deletion fails while it is asked,
    // so the status says DELETE_FAILED before any events poll has seen the resource that failed.
    const clock = h.cloud.clock;
    const cfn = new (class extends CloudFormationApi {
      override async describeStack(name: string) {
        await clock.sleep(60_000);
        return super.describeStack(name);
      }
    })(h.clients.cloudformation, FAST_RETRY);
    const env = environmentFrom(config, "dev");
    const report = await teardown({
      env, cfn, clock, poll: DEFAULT_POLL, emit: () => {},
      plan: await planTeardown(env, { cfn, countVersions: async () => ({ counted: 0, more: false, missing: false }) }, undefined),
      emptyBucket: async () => ({ deleted: 0, stopped: false }),
      liftLoadBalancerProtection: async () => {},
      removeCertificate: async () => undefined,
    });
    expect(report.outcomes.get("backend")).toMatchObject({
      kind: "failed",
      status: "DELETE_FAILED",
      rootCause: { logicalId: "LoadBalancer", resourceType: "AWS::ElasticLoadBalancingV2::LoadBalancer", reason: "Load balancer is in use" },
    });
  });

  it("removes the ECR repository only with --include-repository, once the backend is gone", async () => {
    await deployed("dev");
    const deletedRepositories: string[] = [];
    h.cloud.mocks.ECR.on(DeleteRepositoryCommand).callsFake((input: { repositoryName: string; force?: boolean }) => {
      deletedRepositories.push(`${input.repositoryName}${input.force ? " (forced)" : ""}`);
      return {};
    });
    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    expect(deletedRepositories).toEqual([]);

    await deployed("dev");
    expect(await cli.run(["teardown", "dev", "--yes", "--include-repository"])).toBe(0);
    expect(deletedRepositories).toEqual(["alert-engine-dev (forced)"]);
    expect(cli.output()).toContain("repository  deleted ECR repository alert-engine-dev and its images");
  });

  it("says so when nothing is deployed, and refuses to run without a terminal or --yes", async () => {
    expect(await cli.run(["teardown", "dev", "--yes"])).toBe(0);
    expect(cli.output()).toContain("Nothing of dev is deployed in us-east-2: nothing to tear down.");
    expect(await cli.run(["teardown", "stage"])).toBe(2);
    expect(cli.output()).toMatch(/no terminal to confirm the teardown of stage: rerun with --yes/);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });
});
