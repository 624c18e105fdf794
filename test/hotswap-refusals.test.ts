import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

/** Calls that change AWS, RegisterTaskDefinition included (its verb is not one of the fake's mutating prefixes). */
const changes = (h: Harness) => [...h.cloud.mutatingCalls(), ...h.cloud.callsOf("RegisterTaskDefinition")].length;

describe("deploy --hotswap refuses, before anything in AWS changes (exit 2)", () => {
  let h: Harness;
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
  });

  it("in prod, an environment that retains data: production changes go through CloudFormation and review", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-prod", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "prod", "--hotswap", "--yes"])).toBe(2);
    expect(cli.lastOutput()).toMatch(/--hotswap refused: prod retains data, and production changes go through CloudFormation and review\. Nothing was changed/);
    expect(await cli.run(["deploy", "prod", "--hotswap-fallback", "--yes"])).toBe(2);
    expect(cli.lastOutput()).toMatch(/--hotswap-fallback refused: prod retains data/);
    expect(h.cloud.calls).toEqual([]);
  });

  it.each([
    [["--changeset", "review-1"], /--hotswap and --changeset cannot be combined/],
    [["--revert-drift"], /--hotswap and --revert-drift cannot be combined/],
  ])("with %j", async (flags, message) => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--hotswap", ...flags])).toBe(2);
    expect(cli.lastOutput()).toMatch(message);
    expect(h.cloud.calls).toEqual([]);
  });

  it("a --rollout-timeout that is not a duration", async () => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((text) => (stderr.push(String(text)), true));
    expect(await cli.run(["deploy", "dev", "--hotswap", "--rollout-timeout", "soon"])).toBe(2);
    expect(stderr.join("")).toMatch(/--rollout-timeout.*expected a duration such as 90s, 10m, 1h or 1m30s/);
    expect(h.cloud.calls).toEqual([]);
  });

  it("stacks not deployed yet: a first deploy goes through CloudFormation", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev", "--hotswap"])).toBe(2);
    const out = cli.lastOutput();
    for (const stack of ["network", "storage", "auth", "backend", "domain"]) expect(out).toContain(`  - ${stack}: not deployed yet (a first deploy goes through CloudFormation)`);
    expect(out).toContain("--hotswap-fallback");
    expect(changes(h)).toBe(0);
  });

  it("anything beside the image and plain variables differs: each difference listed, --hotswap-fallback named, nothing changed", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const deployed = cliHarness(h, writeConfig(h.cloud.account));
    expect(await deployed.run(["deploy", "dev"])).toBe(0);
    const before = changes(h);
    h.cloud.putImage("alert-engine-dev", "v2");
    // Two tasks instead of one: the service's DesiredCount, a template change CloudFormation has to make.
    const cli = cliHarness(h, writeConfig(h.cloud.account, { dev: { desiredTasks: 2, maxTasks: 2, logLevel: "INFO" } }));
    expect(await cli.run(["deploy", "dev", "--hotswap", "--image-tag", "v2"])).toBe(2);
    const out = cli.lastOutput();
    expect(out).toMatch(/--hotswap refused: these differences need CloudFormation, so nothing was changed:\n  - backend: template changed \(Resources\.Service\.Properties\.DesiredCount\)\n/);
    expect(out).not.toMatch(/LOG_LEVEL|ImageUri/); // hotswappable: not what blocks it
    expect(out).toMatch(/deploy dev --hotswap-fallback/);
    expect(changes(h)).toBe(before);
  });
});
