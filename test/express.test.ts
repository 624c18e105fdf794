import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

type ChangeSetInput = { StackName: string; DeploymentConfig?: { Mode?: string; DisableRollback?: boolean } };

describe("deploy --express (CloudFormation's express mode, outside environments that retain data)", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  const start = () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    h.cloud.putImage("alert-engine-prod", "latest");
    h.cloud.putImage("alert-engine-stage", "latest");
    return cliHarness(h, writeConfig(h.cloud.account));
  };

  it("makes every change set in express mode with rollback disabled, and says so before anything changes", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    const inputs = h.cloud.callsOf("CreateChangeSet").map((c) => c.input as ChangeSetInput);
    expect(inputs.map((i) => i.StackName).sort()).toEqual(["alert-engine-auth-dev", "alert-engine-backend-dev", "alert-engine-domain-dev", "alert-engine-network-dev", "alert-engine-storage-dev"]);
    for (const input of inputs) expect(input.DeploymentConfig).toEqual({ Mode: "EXPRESS", DisableRollback: true });
    const out = cli.output();
    const notice = out.indexOf("express mode: CloudFormation completes each stack once its resources are configured, and rollback is disabled");
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(notice).toBeLessThan(out.indexOf("network"));
    for (const stack of ["network", "storage", "auth", "backend", "domain"]) expect(h.cloud.stack(`alert-engine-${stack}-dev`)?.status).toBe("CREATE_COMPLETE");
  });

  it("finishes the stacks sooner than the standard mode: slow resources complete once configured", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    const backend = h.cloud.stack("alert-engine-backend-dev")!;
    const service = backend.events.filter((e) => e.logicalId === "Service");
    const took = service.at(-1)!.at - service[0]!.at;
    // The fake's standard ECS service takes 60 s to stabilize; configured, it is done within its 1 s.
    expect(took).toBeLessThanOrEqual(1_000);
    expect(service.at(-1)!.status).toBe("CREATE_COMPLETE");
  });

  it("is refused in prod (it retains data) with the reason, exit 2, before anything in AWS changes", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "prod", "--express", "--yes"])).toBe(2);
    expect(cli.lastOutput()).toContain("--express is refused for prod: it retains data");
    // A command the user can paste as it is: the script and this run's --config.
    expect(cli.lastOutput()).toMatch(/run 'npm run orchestrate -- deploy prod --config \S+' without --express/);
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  it("is refused where the deployed stacks protect data, even when the config says the environment does not", async () => {
    start();
    // stage configured to retain its data, deployed that way; then the config is edited back.
    const staged = cliHarness(h, writeConfig(h.cloud.account, { stage: { retainData: true } }));
    expect(await staged.run(["deploy", "stage", "--yes"])).toBe(0);
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const mutationsBefore = h.cloud.mutatingCalls().length;
    // Even with the lowering allowed, express stays refused while the deployed stacks protect data.
    expect(await cli.run(["deploy", "stage", "--express", "--yes", "--allow-protection-lowering"])).toBe(2);
    expect(cli.lastOutput()).toContain("--express is refused for stage: it retains data");
    expect(h.cloud.mutatingCalls().length).toBe(mutationsBefore);
  });

  it("is refused with --changeset: a review's change sets were made in the standard mode", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "dev", "--express", "--changeset", "review-1"])).toBe(2);
    expect(cli.lastOutput()).toContain("--express and --changeset cannot be combined");
    expect(cli.lastOutput()).toMatch(/Run 'npm run orchestrate -- deploy dev --changeset review-1 --config \S+' without --express, or 'npm run orchestrate -- deploy dev --express --config \S+' alone/);
    expect(h.cloud.calls).toEqual([]);
  });

  it("a failure leaves the stack failed without rollback (what succeeded is kept); the next run retries it and converges, the one after is a no-op", async () => {
    const cli = start();
    h.cloud.failResource({ stack: "alert-engine-auth-dev", logicalId: "UserPoolClient", reason: "Invalid callback URL", times: 1 });
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(1);
    const auth = h.cloud.stack("alert-engine-auth-dev")!;
    expect(auth.status).toBe("CREATE_FAILED");
    expect(auth.resources["UserPool"]?.status).toBe("CREATE_COMPLETE");
    expect(auth.resources["UserPoolClient"]?.status).toBe("CREATE_FAILED");
    expect(auth.events.some((e) => e.status === "ROLLBACK_IN_PROGRESS")).toBe(false);
    expect(cli.lastOutput()).toMatch(/auth failed: UserPoolClient \(AWS::Cognito::UserPoolClient\): Invalid callback URL/);
    const userPool = auth.resources["UserPool"]!.physicalId;

    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    expect(cli.lastOutput()).toContain("CREATE_FAILED without rollback (an express deploy failed here): updating it again");
    const healed = h.cloud.stack("alert-engine-auth-dev")!;
    expect(healed.status).toBe("UPDATE_COMPLETE");
    expect(healed.resources["UserPoolClient"]?.status).toBe("CREATE_COMPLETE");
    // Kept, not replaced: the user pool created by the failed run is the same one.
    expect(healed.resources["UserPool"]?.physicalId).toBe(userPool);
    for (const stack of ["backend", "domain"]) expect(h.cloud.stack(`alert-engine-${stack}-dev`)?.status).toBe("CREATE_COMPLETE");

    const changeSetsBefore = h.cloud.callsOf("CreateChangeSet").length;
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    expect(h.cloud.callsOf("CreateChangeSet").length).toBe(changeSetsBefore);
  });

  it("an update that fails stays UPDATE_FAILED; a standard deploy after it also converges", async () => {
    const cli = start();
    expect(await cli.run(["deploy", "dev", "--express"])).toBe(0);
    h.cloud.putImage("alert-engine-dev", "v2");
    h.cloud.failResource({ stack: "alert-engine-backend-dev", logicalId: "Service", operation: "update", reason: "Service update failed", times: 1 });
    expect(await cli.run(["deploy", "dev", "--express", "--image-tag", "v2"])).toBe(1);
    expect(h.cloud.stack("alert-engine-backend-dev")?.status).toBe("UPDATE_FAILED");
    expect(await cli.run(["deploy", "dev", "--image-tag", "v2"])).toBe(0);
    const backend = h.cloud.stack("alert-engine-backend-dev")!;
    expect(backend.status).toBe("UPDATE_COMPLETE");
    expect(backend.parameters["ImageUri"]).toContain("@sha256:");
  });
});

describe("the certificate, the critical path once stacks finish in seconds", () => {
  let h: Harness;
  afterEach(() => h.cloud.restore());

  it("is noticed within 2 s of ACM issuing it, in every deploy, and the wait keeps ticking on the progress line", async () => {
    h = deployHarness();
    const report = await h.deploy("dev");
    expect(report.results.get("certificate")?.kind).toBe("deployed");
    const [certificate] = h.cloud.certificates();
    const issuedAt = certificate!.issuedAt!;
    const finished = h.events.find((e) => e.type === "node-finished" && e.node === "certificate")!;
    expect(finished.at).toBeGreaterThanOrEqual(issuedAt);
    expect(finished.at - issuedAt).toBeLessThanOrEqual(2_000);
    // Still bounded by its own limit, and the wait is shown as one that began at the request.
    const waits = h.events.filter((e) => e.type === "node-progress" && e.node === "certificate");
    expect(waits.length).toBeGreaterThan(0);
    for (const wait of waits) expect(wait.type === "node-progress" && wait.waitingSince).toBe(waits[0]!.type === "node-progress" && waits[0]!.waitingSince);
  });

  it("ACM takes a realistic while: issued a minute or more after the request, not at once", async () => {
    h = deployHarness();
    const started = h.cloud.clock.now();
    await h.deploy("dev", { only: ["certificate"] });
    const [certificate] = h.cloud.certificates();
    expect(certificate!.issuedAt! - started).toBeGreaterThanOrEqual(60_000);
  });
});
