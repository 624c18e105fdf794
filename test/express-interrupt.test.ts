/**
 * deploy --express under Ctrl-C while the orchestrator waits for the service to be ready: the stack itself is
 * complete (express mode completed it), so the summary says so rather than "interrupted while running", which
 * reads as a stack operation cut short. Against the stateful fake cloud, in virtual time.
 */
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const BACKEND = "alert-engine-backend-dev";

describe("deploy --express: Ctrl-C during the readiness wait", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("says the backend stack is complete and only the wait for its service was interrupted; exit 130", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const ctrlC = new AbortController();
    const send = h.clients.ecs.send.bind(h.clients.ecs) as (command: unknown) => Promise<unknown>;
    vi.spyOn(h.clients.ecs, "send").mockImplementation((async (command: unknown) => {
      const answer = await send(command);
      // The first look at the service once CloudFormation has completed the stack: the readiness wait.
      if (command instanceof DescribeServicesCommand && h.cloud.stack(BACKEND)?.status === "CREATE_COMPLETE") ctrlC.abort(new Error("Ctrl-C"));
      return answer;
    }) as never);

    expect(await cli.run(["deploy", "dev", "--express"], { signal: ctrlC.signal })).toBe(130);
    expect(ctrlC.signal.aborted).toBe(true);
    expect(h.cloud.stack(BACKEND)!.status).toBe("CREATE_COMPLETE");
    const line = cli.lastOutput().split("\n").find((l) => /^\s+backend\s/.test(l));
    expect(line).toMatch(/interrupted/);
    expect(line).toMatch(/stack .*complete/);
    expect(line).toMatch(/service/);
    expect(line).not.toMatch(/interrupted while running/);
  });
});
