/**
 * Deploy under Ctrl-C at its destructive steps: once the user has pressed it, no new ExecuteChangeSet
 * and no post-stack step (default security group revocation, folder markers) may start; exit 130.
 * Against the stateful fake cloud, in virtual time.
 */
import { DescribeChangeSetCommand, DescribeStacksCommand, GetTemplateCommand, UpdateTerminationProtectionCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

/**
 * Runs `hook` with each answer of `Command` on this client, before the caller sees it: the moment a
 * person's Ctrl-C lands while that request is in flight and its answer is already on its way.
 */
function onEachAnswer<C>(client: { send: (...args: never[]) => Promise<unknown> }, Command: abstract new (...args: never[]) => C, hook: (answer: unknown, command: C) => void) {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  vi.spyOn(client, "send").mockImplementation((async (command: unknown) => {
    const answer = await send(command);
    if (command instanceof Command) hook(answer, command);
    return answer;
  }) as never);
}

describe("deploy: Ctrl-C stops every destructive step that has not started", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("Ctrl-C as a change set is found ready: it is not executed, and the run's change sets are removed, exit 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const ctrlC = new AbortController();
    let callsAtCtrlC = -1;
    onEachAnswer(h.clients.cloudformation, DescribeChangeSetCommand, (answer) => {
      if (ctrlC.signal.aborted || (answer as { Status?: string }).Status !== "CREATE_COMPLETE") return;
      callsAtCtrlC = h.cloud.calls.length;
      ctrlC.abort(new Error("Ctrl-C"));
    });

    expect(await cli.run(["deploy", "dev"], { signal: ctrlC.signal })).toBe(130);
    expect(callsAtCtrlC).toBeGreaterThan(0);
    const after = h.cloud.mutatingCalls().filter((c) => h.cloud.calls.indexOf(c) >= callsAtCtrlC);
    expect(after.map((c) => c.command).filter((c) => c !== "DeleteChangeSet")).toEqual([]);
    expect(h.cloud.callsOf("ExecuteChangeSet")).toEqual([]);
  });

  it("Ctrl-C as the change set is approved: it is not executed, exit 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const ctrlC = new AbortController();
    let callsAtCtrlC = -1;
    let asked: string | undefined;
    const ask = async (question: string) => {
      asked = question;
      callsAtCtrlC = h.cloud.calls.length;
      ctrlC.abort(new Error("Ctrl-C"));
      return "y";
    };
    expect(await cli.run(["deploy", "prod"], { interactive: true, ask, signal: ctrlC.signal })).toBe(130);
    const stack = /Execute this change set on (\S+)\?/.exec(asked ?? "")?.[1];
    expect(stack).toMatch(/^alert-engine-\w+-prod$/);
    const after = h.cloud.mutatingCalls().filter((c) => h.cloud.calls.indexOf(c) >= callsAtCtrlC);
    expect(after.map((c) => c.command).filter((c) => c !== "DeleteChangeSet")).toEqual([]);
    expect(h.cloud.stack(stack!)?.status).toBe("REVIEW_IN_PROGRESS");
  });

  it("Ctrl-C as the network stack completes: its default security group is not touched, no folder marker is put, exit 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const ctrlC = new AbortController();
    let callsAtCtrlC = -1;
    onEachAnswer(h.clients.cloudformation, DescribeStacksCommand, (answer) => {
      const stack = (answer as { Stacks?: { StackName?: string; StackStatus?: string }[] }).Stacks?.[0];
      if (ctrlC.signal.aborted || stack?.StackName !== "alert-engine-network-dev" || stack.StackStatus !== "CREATE_COMPLETE") return;
      callsAtCtrlC = h.cloud.calls.length;
      ctrlC.abort(new Error("Ctrl-C"));
    });

    expect(await cli.run(["deploy", "dev"], { signal: ctrlC.signal })).toBe(130);
    expect(callsAtCtrlC).toBeGreaterThan(0);
    const after = h.cloud.mutatingCalls().filter((c) => h.cloud.calls.indexOf(c) >= callsAtCtrlC);
    expect(after.map((c) => c.command).filter((c) => c !== "DeleteChangeSet")).toEqual([]);
    expect(h.cloud.callsOf("RevokeSecurityGroupIngress")).toEqual([]);
    expect(h.cloud.callsOf("RevokeSecurityGroupEgress")).toEqual([]);
    expect(cli.output()).toMatch(/^\s+not done: restricting the default security group \(CIS 5\.4\) \(interrupted before it started\); the next deploy does it$/m);
  });

  it("Ctrl-C as an unchanged prod stack is compared: its termination protection is still put back (protecting is not destructive)", async () => {
    h = deployHarness();
    await h.deploy("prod");
    const name = "alert-engine-network-prod";
    h.cloud.changeStackBehindOurBack(name, (stack) => void (stack.terminationProtection = false));
    const ctrlC = new AbortController();
    // The deployed template is read to compare it: Ctrl-C lands as that answer arrives.
    onEachAnswer(h.clients.cloudformation, GetTemplateCommand, (_answer, command) => {
      if (command.input.StackName === name) ctrlC.abort(new Error("Ctrl-C"));
    });

    const report = await h.deploy("prod", { signal: ctrlC.signal });
    expect(ctrlC.signal.aborted).toBe(true);
    expect(report.results.get("network")).toMatchObject({ kind: "unchanged", notes: expect.arrayContaining(["termination protection enabled"]) });
    expect(h.cloud.stack(name)!.terminationProtection).toBe(true);
  });
});

describe("deploy: Ctrl-C before a failed first create is deleted and made again", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("Ctrl-C as the failed stack's termination protection is lifted: DeleteStack does not start, exit 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    h.cloud.failResource({ stack: "alert-engine-auth-dev", logicalId: "UserPool", reason: "Invalid email configuration" });
    expect(await cli.run(["deploy", "dev", "--stacks", "auth"])).toBe(1);
    expect(h.cloud.stack("alert-engine-auth-dev")?.status).toBe("ROLLBACK_COMPLETE");
    // Someone turned termination protection on by hand: the engine lifts it before deleting the empty stack.
    await h.clients.cloudformation.send(new UpdateTerminationProtectionCommand({ StackName: "alert-engine-auth-dev", EnableTerminationProtection: true }));

    const ctrlC = new AbortController();
    onEachAnswer(h.clients.cloudformation, UpdateTerminationProtectionCommand, () => ctrlC.abort(new Error("Ctrl-C")));
    const before = h.cloud.mutatingCalls().length;
    const code = await cli.run(["deploy", "dev", "--stacks", "auth", "--allow-protection-lowering"], { signal: ctrlC.signal });
    expect(code).toBe(130);
    expect(h.cloud.mutatingCalls().slice(before).map((c) => c.command)).toEqual(["UpdateTerminationProtection"]);
    expect(h.cloud.stack("alert-engine-auth-dev")?.status).toBe("ROLLBACK_COMPLETE");
  });
});
