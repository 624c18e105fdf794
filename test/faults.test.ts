/**
 * Fault injection: whole deploys against the fake cloud on its bad days. Every case checks four
 * things: where every stack ends up, that nothing outside the failing stack's dependents was
 * harmed, that the report names the root cause, and that running again converges (a second run
 * reaches the desired state, a third one is a no-op).
 */
import { afterEach, describe, expect, it } from "vitest";
import { CloudFormationApi } from "../src/aws/cloudformation.js";
import { stackName, type Environment, type StackId } from "../src/env/model.js";
import type { DeployReport } from "../src/orchestrator/deploy/deploy.js";
import type { EngineEvent } from "../src/orchestrator/events.js";
import { ABANDONED_AFTER_MS } from "../src/orchestrator/deploy/live-runs.js";
import type { NodeResult } from "../src/orchestrator/results.js";
import { STACK_IDS, stackDefinition } from "../src/templates/index.js";
import { synthesize } from "../src/templates/stack.js";
import { deployHarness, FAST_RETRY, type Harness } from "./support/deploy-harness.js";
import type { CallRecord } from "./support/fake-cloud.js";

type Failed = Extract<NodeResult, { kind: "failed" }>;
const failed = (report: DeployReport, node: string) => report.results.get(node as StackId) as Failed;

/** Every command a deploy, a redeploy and an update make, across all services. */
const ENGINE_COMMANDS = [
  "GetCallerIdentity", "ListHostedZonesByName", "GetHostedZone", "DescribeRepositories", "DescribeImages",
  "ListCertificates", "ListTagsForCertificate", "RequestCertificate", "DescribeCertificate", "ChangeResourceRecordSets", "ListResourceRecordSets",
  "DescribeStacks", "GetTemplate", "CreateChangeSet", "ListChangeSets", "DescribeChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "DescribeStackEvents", "DescribeEvents", "UpdateTerminationProtection",
  "DescribeSecurityGroups", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "HeadObject", "PutObject",
  "ListTasks", "DescribeTasks", "DescribeServices",
];

let h: Harness;
afterEach(() => h.cloud.restore());

/** What a stack is, as far as harm goes: status, template, parameters, tags, outputs and physical resources. */
function snapshot(env: Environment) {
  return Object.fromEntries(
    STACK_IDS.map((id) => {
      const s = h.cloud.stack(stackName(env, id));
      const resources = s && Object.fromEntries(Object.entries(s.resources).map(([logicalId, r]) => [logicalId, r.physicalId]));
      return [id, s && { status: s.status, templateBody: s.templateBody, parameters: s.parameters, tags: s.tags, outputs: s.outputs, resources }];
    }),
  );
}

const about = (call: CallRecord, name: string) => {
  const target = (call.input as { StackName?: string } | undefined)?.StackName ?? "";
  return target === name || target.includes(`:stack/${name}/`);
};

/** Stacks that received a mutating call since the call log had `mark` entries. */
function mutated(env: Environment, mark: number): StackId[] {
  const mutating = new Set(h.cloud.mutatingCalls());
  const calls = h.cloud.calls.slice(mark).filter((c) => mutating.has(c));
  return STACK_IDS.filter((id) => calls.some((c) => about(c, stackName(env, id))));
}

/** Outside `harmed`, every stack is exactly as it was and received no mutating call. */
function expectUnharmed(env: Environment, before: ReturnType<typeof snapshot>, mark: number, harmed: readonly StackId[]) {
  const others = STACK_IDS.filter((id) => !harmed.includes(id));
  expect(mutated(env, mark).filter((id) => others.includes(id))).toEqual([]);
  const after = snapshot(env);
  for (const id of others) expect(after[id], id).toEqual(before[id]);
}

/** A second run reaches the desired state everywhere; a third changes nothing. */
async function expectConverges(env: Environment): Promise<DeployReport> {
  const second = await h.deploy(env.name, { env });
  for (const [node, result] of second.results) expect(result.kind, `${node}: ${JSON.stringify(result)}`).toMatch(/^(deployed|unchanged)$/);
  for (const id of STACK_IDS) {
    const stack = h.cloud.stack(stackName(env, id))!;
    expect(stack.status, id).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
    expect(JSON.parse(stack.templateBody), id).toEqual(JSON.parse(JSON.stringify(synthesize(stackDefinition(id), env))));
  }
  const mark = h.cloud.calls.length;
  const third = await h.deploy(env.name, { env });
  expect([...third.results.values()].map((r) => r.kind)).toEqual(Array(STACK_IDS.length + 1).fill("unchanged"));
  expect(h.cloud.calls.slice(mark).filter((c) => c.command === "CreateChangeSet")).toEqual([]);
  return second;
}

/** Deploys `env` cleanly first; returns the state and call mark to compare against. */
async function deployed(env: Environment) {
  const report = await h.deploy(env.name, { env });
  expect([...report.results.values()].every((r) => r.kind === "deployed")).toBe(true);
  return { before: snapshot(env), mark: h.cloud.calls.length };
}

const recording = (also: (event: EngineEvent) => void) => (event: EngineEvent) => {
  h.events.push(event);
  also(event);
};

describe("fault injection: transient trouble is absorbed", () => {
  it.each([
    ["throttling bursts", "ThrottlingException", (command?: string, times = 3) => h.cloud.throttle({ command, times })],
    ["transient network errors", "TimeoutError", (command?: string, times = 2) => h.cloud.networkError({ command, times })],
  ] as const)("%s on every API the engine uses: every stack deploys, nothing rolls back", async (_, errorName, inject) => {
    h = deployHarness();
    const env = h.environment("prod");
    for (const command of ENGINE_COMMANDS) inject(command);
    // More bursts on whatever comes next, as each later stage of the graph starts.
    const report = await h.deploy("prod", { emit: recording((e) => e.type === "node-started" && ["backend", "domain"].includes(e.node) && inject(undefined, 4)) });
    const firstRun = [...h.cloud.calls];

    // Final state: all created as desired, protection on (prod).
    for (const id of STACK_IDS) expect(h.cloud.stack(stackName(env, id))).toMatchObject({ status: "CREATE_COMPLETE", terminationProtection: true });
    // Harm: no stack ever failed, rolled back or was deleted; every command was hit and retried through.
    for (const id of STACK_IDS) expect(h.cloud.stack(stackName(env, id))!.events.filter((e) => /FAILED|ROLLBACK|DELETE/.test(e.status))).toEqual([]);
    for (const command of new Set(firstRun.map((c) => c.command))) {
      expect(ENGINE_COMMANDS, `${command} is used: add it to ENGINE_COMMANDS`).toContain(command);
      expect(firstRun.some((c) => c.command === command && c.error === errorName), `${command} was never hit`).toBe(true);
    }
    // Report: nothing to blame, every node deployed.
    expect([...report.results].filter(([, r]) => r.kind !== "deployed")).toEqual([]);
    await expectConverges(env);
  });

  it("throttling that outlasts the retries: the report says so, CloudFormation carries on, a rerun picks it up", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    // Backend's first look at its events is throttled on every one of its 9 attempts; nobody else is polling then
    // (the ECS watch is off: its sleeps would let virtual time run on while p-retry waits in real time).
    const report = await h.deploy("dev", {
      watchWhileDeploying: undefined,
      emit: recording((e) => e.type === "node-started" && e.node === "backend" && h.cloud.throttle({ command: "DescribeStackEvents", times: FAST_RETRY.retries + 1 })),
    });

    const backend = failed(report, "backend");
    expect(backend.kind).toBe("failed");
    expect(backend.message).toMatch(/ThrottlingException: Rate exceeded/);
    expect(backend.message).toMatch(/CloudFormation carries on.*run the deploy again/);
    expect(report.results.get("domain")).toMatchObject({ kind: "skipped", because: ["backend"] });
    for (const id of ["network", "storage", "auth"] as const) expect(report.results.get(id)?.kind).toBe("deployed");
    expect(h.cloud.stack(stackName(env, "domain"))).toBeUndefined();

    const second = await expectConverges(env);
    expect((second.results.get("backend") as { notes: string[] }).notes.join()).toMatch(/CREATE_IN_PROGRESS from another operation: waiting/);
  });

  it("a lost ExecuteChangeSet response: the retry finds its own execution under way and follows it", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    const real = h.clients.cloudformation;
    let lost = false;
    // CloudFormation executes the change set, but the response never arrives.
    const lossy = {
      send: async (command: { constructor: { name: string } }) => {
        const output = await real.send(command as never);
        if (!lost && command.constructor.name === "ExecuteChangeSetCommand") {
          lost = true;
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
        }
        return output;
      },
    };
    const report = await h.deploy("dev", { cfn: new CloudFormationApi(lossy as never, FAST_RETRY) });
    expect(lost).toBe(true);
    expect([...report.results].filter(([, r]) => r.kind !== "deployed")).toEqual([]);
    for (const id of STACK_IDS) {
      const stack = h.cloud.stack(stackName(env, id))!;
      expect(stack.status).toBe("CREATE_COMPLETE");
      // One operation per stack: the retry did not start a second one, nothing was rolled back.
      expect(stack.events.filter((e) => e.logicalId === stack.name && e.status !== "REVIEW_IN_PROGRESS").map((e) => e.status)).toEqual(["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]);
    }
    await expectConverges(env);
  });
});

describe("fault injection: a lost DeleteChangeSet response", () => {
  it("the retry finds the change set already gone and counts it deleted, instead of failing the stack", async () => {
    h = deployHarness();
    const real = h.clients.cloudformation;
    let lost = false;
    // CloudFormation deletes the change set, but the response never arrives.
    const lossy = {
      send: async (command: { constructor: { name: string } }) => {
        const output = await real.send(command as never);
        if (!lost && command.constructor.name === "DeleteChangeSetCommand") {
          lost = true;
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
        }
        return output;
      },
    };
    const cfn = new CloudFormationApi(lossy as never, FAST_RETRY);
    const report = await h.deploy("dev", { cfn, approval: "any-change", approve: async () => false });
    expect(lost).toBe(true);
    for (const id of ["network", "storage", "auth"] as const) expect(failed(report, id).message).toMatch(/not approved; nothing was changed/);
    expect(h.cloud.callsOf("ExecuteChangeSet")).toEqual([]);
  });
});

describe("fault injection: a resource fails", () => {
  it("on create: the stack rolls back with its cause named, dependents are skipped, independent stacks finish", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    const reason = "The maximum number of addresses has been reached. (Service: Ec2, Status Code: 400)";
    h.cloud.failResource({ stack: stackName(env, "network"), logicalId: "NatGateway1", reason });
    const report = await h.deploy("dev");

    expect(failed(report, "network")).toMatchObject({ kind: "failed", status: "ROLLBACK_COMPLETE", rootCause: { logicalId: "NatGateway1", resourceType: "AWS::EC2::NatGateway", reason } });
    expect(h.cloud.stack(stackName(env, "network"))?.status).toBe("ROLLBACK_COMPLETE");
    for (const id of ["backend", "domain"] as const) {
      expect(report.results.get(id)?.kind).toBe("skipped");
      expect(h.cloud.stack(stackName(env, id))).toBeUndefined();
    }
    for (const id of ["storage", "auth"] as const) expect(h.cloud.stack(stackName(env, id))?.status).toBe("CREATE_COMPLETE");
    expect(report.results.get("certificate")?.kind).toBe("deployed");

    h.cloud.clearFailures();
    const second = await expectConverges(env);
    expect((second.results.get("network") as { notes: string[] }).notes.join()).toMatch(/failed first create: deleting the empty stack/);
  });

  it("on update: the stack rolls back to exactly what it was, its dependent is left alone", async () => {
    h = deployHarness();
    const { before, mark } = await deployed(h.environment("dev"));
    const env = { ...h.environment("dev"), cpu: 1024, memoryMiB: 2048 };
    h.cloud.failResource({ stack: stackName(env, "backend"), logicalId: "Service", operation: "update", reason: "Service alert-engine-dev did not stabilize" });
    const report = await h.deploy("dev", { env });

    expect(failed(report, "backend")).toMatchObject({ status: "UPDATE_ROLLBACK_COMPLETE", rootCause: { logicalId: "Service", resourceType: "AWS::ECS::Service", reason: "Service alert-engine-dev did not stabilize" } });
    const backend = h.cloud.stack(stackName(env, "backend"))!;
    expect(backend.status).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect({ templateBody: backend.templateBody, parameters: backend.parameters, outputs: backend.outputs }).toEqual({
      templateBody: before.backend!.templateBody,
      parameters: before.backend!.parameters,
      outputs: before.backend!.outputs,
    });
    expect(report.results.get("domain")).toMatchObject({ kind: "skipped", because: ["backend"] });
    for (const id of ["network", "storage", "auth"] as const) expect(report.results.get(id)?.kind).toBe("unchanged");
    expectUnharmed(env, before, mark, ["backend"]);

    h.cloud.clearFailures();
    const second = await expectConverges(env);
    expect(second.results.get("backend")).toMatchObject({ kind: "deployed", action: "update" });
  });
});

describe("fault injection: the world does not hold still", () => {
  it("ACM never validates: the wait is bounded, the message says what to check, the rest of the graph stands", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    h.cloud.neverValidate();
    const started = h.cloud.clock.now();
    const report = await h.deploy("dev");

    expect(h.cloud.clock.now() - started).toBeLessThanOrEqual(46 * 60_000);
    const certificate = failed(report, "certificate");
    expect(certificate).toMatchObject({ kind: "failed", status: "PENDING_VALIDATION" });
    expect(certificate.message).toMatch(/still PENDING_VALIDATION after 45m00s \(--cert-timeout\): ACM has not seen CNAME _\w+\.api\.dev-alert-engine\.totogicore\.com\..*delegated to hosted zone/);
    for (const id of ["backend", "domain"] as const) {
      expect(report.results.get(id)?.kind).toBe("skipped");
      expect(h.cloud.stack(stackName(env, id))).toBeUndefined();
    }
    for (const id of ["network", "storage", "auth"] as const) expect(h.cloud.stack(stackName(env, id))?.status).toBe("CREATE_COMPLETE");

    h.cloud.services.acm.validationDisabled = false; // the delegation is fixed
    await expectConverges(env);
    expect(h.cloud.callsOf("RequestCertificate")).toHaveLength(1); // the pending certificate was reused
  });

  it("someone else updates a stack between our change set and its execution: refused and named, not overwritten", async () => {
    h = deployHarness();
    const { before, mark } = await deployed(h.environment("dev"));
    const env = { ...h.environment("dev"), logRetentionDays: 14 };
    const network = stackName(env, "network");
    const cfn = new (class extends CloudFormationApi {
      override async executeChangeSet(stack: string, changeSet: string) {
        // A console edit lands first: CloudFormation marks every pending change set of the stack OBSOLETE.
        if (stack !== network) return super.executeChangeSet(stack, changeSet);
        h.cloud.changeStackBehindOurBack(network, (s) => {
          s.tags = { ...s.tags, Owner: "someone-else" };
          for (const cs of s.changeSets.values()) if (cs.executionStatus === "AVAILABLE") cs.executionStatus = "OBSOLETE";
        });
        return super.executeChangeSet(stack, changeSet);
      }
    })(h.clients.cloudformation, FAST_RETRY);
    const report = await h.deploy("dev", { env, cfn });

    const result = failed(report, "network");
    expect(result.message).toMatch(/changed after change set orchestrate-\w+ was made.*OBSOLETE.*nothing was executed.*run the deploy again/);
    const after = h.cloud.stack(network)!;
    expect(after.tags.Owner).toBe("someone-else"); // their change stands
    expect(after.templateBody).toBe(before.network!.templateBody);
    expect(after.changeSets.filter((cs) => cs.executionStatus !== "EXECUTE_COMPLETE")).toEqual([]); // ours was cleaned up
    for (const id of ["backend", "domain"] as const) expect(report.results.get(id)).toMatchObject({ kind: "skipped", because: [id === "backend" ? "network" : "backend"] });
    expectUnharmed(env, before, mark, ["network"]);

    await expectConverges(env);
    expect(h.cloud.stack(network)!.tags.Owner).toBeUndefined(); // the deploy's tags are the desired state
  });

  /** A CloudFormation API that dies with the process right after CreateChangeSet for `target` returns. */
  function killedAfterChangeSet(target: string, kill: () => void): CloudFormationApi {
    const real = new CloudFormationApi(h.clients.cloudformation, FAST_RETRY);
    const never = new Promise<never>(() => {});
    let dead = false;
    return new Proxy(real, {
      get(object, property) {
        const value = Reflect.get(object, property, object) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (dead) return never;
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
          if (property === "createChangeSet" && (args[0] as { stackName: string }).stackName === target) {
            dead = true;
            kill();
          }
          return dead ? never : result;
        };
      },
    });
  }

  async function killedRun(env: Environment, target: StackId) {
    const mark = h.cloud.calls.length;
    const controller = new AbortController();
    let died!: () => void;
    const death = new Promise<void>((resolve) => (died = resolve));
    const cfn = killedAfterChangeSet(stackName(env, target), () => (controller.abort(new Error("SIGKILL")), died()));
    void h.deploy(env.name, { env, cfn, signal: controller.signal }); // never settles: the process is gone, nothing cleans up
    await death;
    await h.cloud.clock.sleep(10_000); // CloudFormation finishes computing the change set; nobody is left to execute it
    const stack = h.cloud.stack(stackName(env, target))!;
    const unexecuted = stack.changeSets.filter((cs) => cs.executionStatus === "AVAILABLE");
    expect(unexecuted).toHaveLength(1);
    expect(h.cloud.calls.slice(mark).filter((c) => c.command === "ExecuteChangeSet" && about(c, stack.name))).toEqual([]);
    return unexecuted[0]!.name;
  }

  it("killed between creating a stack's first change set and executing it: once its change set is provably over, the rerun says what it found and creates it", async () => {
    h = deployHarness();
    const env = h.environment("dev");
    const left = await killedRun(env, "backend");
    await h.cloud.clock.sleep(ABANDONED_AFTER_MS); // until then it could be a live run's (see faults-concurrent.test.ts)
    expect(h.cloud.stack(stackName(env, "backend"))?.status).toBe("REVIEW_IN_PROGRESS");
    for (const id of ["network", "storage", "auth"] as const) expect(h.cloud.stack(stackName(env, id))?.status).toBe("CREATE_COMPLETE");
    expect(h.cloud.stack(stackName(env, "domain"))).toBeUndefined();
    const before = snapshot(env);
    const mark = h.cloud.calls.length;

    const second = await expectConverges(env);
    expect((second.results.get("backend") as { notes: string[] }).notes.join()).toMatch(/REVIEW_IN_PROGRESS: .*never executed.*creating a new one/);
    expect((second.results.get("backend") as { notes: string[] }).notes.join()).toMatch(new RegExp(`removed change set ${left} \\(CREATE_COMPLETE, made 2 h( \\d+ min)? ago\\): left unexecuted by a deploy that is over`));
    const executed = h.cloud.callsOf("ExecuteChangeSet").filter((c) => about(c, stackName(env, "backend")));
    expect(executed.map((c) => (c.input as { ChangeSetName: string }).ChangeSetName).join()).not.toContain(left);
    expectUnharmed(env, before, mark, ["backend", "domain"]);
  });

  it("killed between creating an update's change set and executing it: once it is provably over, the rerun makes a fresh one, the stale one is never run", async () => {
    h = deployHarness();
    const { before, mark } = await deployed(h.environment("dev"));
    const env = { ...h.environment("dev"), logRetentionDays: 14 };
    const network = stackName(env, "network");
    const left = await killedRun(env, "network");
    await h.cloud.clock.sleep(ABANDONED_AFTER_MS); // until then it could be a live run's (see faults-concurrent.test.ts)
    expect(h.cloud.stack(network)?.templateBody).toBe(before.network!.templateBody);
    expectUnharmed(env, before, mark, ["network"]);

    const second = await expectConverges(env);
    expect(second.results.get("network")).toMatchObject({ kind: "deployed", action: "update" });
    expect(h.cloud.stack(network)!.changeSets.map((cs) => cs.name)).not.toContain(left);
    expect((second.results.get("network") as { notes: string[] }).notes.join()).toMatch(new RegExp(`removed change set ${left} .*left unexecuted by a deploy that is over`));
    const executed = h.cloud.callsOf("ExecuteChangeSet").filter((c) => about(c, network) && c.at > h.cloud.calls[mark]!.at);
    expect(executed).toHaveLength(1);
    expect((executed[0]!.input as { ChangeSetName: string }).ChangeSetName).not.toContain(left);
  });
});
