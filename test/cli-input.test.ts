/**
 * Flags and answers that can never work are refused or given up on at once, with what to do about them,
 * before anything in AWS changes.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { cliHarness, writeConfig } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

let h: Harness;
afterEach(() => {
  h.cloud.restore();
  vi.restoreAllMocks();
});

describe("flags checked before any AWS call (exit 2)", () => {
  it.each([["localhost:4566"], ["ftp://localhost:4566"], ["http://"], [""]])("--endpoint-url %j is not an http(s) URL", async (url) => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    // Commander reports a flag's refusal on stderr itself.
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (cli.lines.push(String(chunk)), true));
    expect(await cli.run(["deploy", "dev", "--endpoint-url", url])).toBe(2);
    expect(cli.output()).toMatch(/--endpoint-url.*expected an http:\/\/ or https:\/\/ URL such as http:\/\/localhost:4566/);
    expect(h.cloud.calls).toEqual([]);
  });

  it("--endpoint-url http://localhost:4566 is accepted", async () => {
    h = deployHarness();
    h.cloud.putImage("alert-engine-dev", "latest");
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["status", "dev", "--endpoint-url", "http://localhost:4566"])).toBe(0);
  });

  it.each([["deploy"], ["changeset"], ["status"]])("%s with --region '' is an error, not a silent default", async (command) => {
    h = deployHarness();
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run([command, "dev", "--region", ""])).toBe(2);
    expect(cli.output()).toMatch(/--region is empty: give an AWS region such as us-east-2, or leave the flag out/);
    expect(h.cloud.calls).toEqual([]);
  });
});

describe("answers that will not change on a retry fail at once (exit 1)", () => {
  it("ECONNREFUSED (nothing listens at the endpoint) is not retried and says what to check", async () => {
    h = deployHarness();
    h.cloud.connectionError("ECONNREFUSED", { command: "GetCallerIdentity", times: 100 });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(1);
    expect(h.cloud.callsOf("GetCallerIdentity")).toHaveLength(1);
    expect(cli.output()).toMatch(/the connection was refused \(ECONNREFUSED\).*--endpoint-url/);
  });

  it.each([["NotImplemented"], ["InternalFailure"]])("HTTP 501 (%s: the endpoint does not implement the operation) is not retried", async (name) => {
    h = deployHarness();
    h.cloud.notImplemented({ command: "GetCallerIdentity", times: 100, name });
    const cli = cliHarness(h, writeConfig(h.cloud.account));
    expect(await cli.run(["deploy", "dev"])).toBe(1);
    expect(h.cloud.callsOf("GetCallerIdentity")).toHaveLength(1);
    expect(cli.output()).toMatch(new RegExp(`AWS said ${name}`));
  });
});
