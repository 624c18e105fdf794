/**
 * `orchestrate logs <env>` against the fake cloud: the service's log group (the network stack's
 * AWS::Logs::LogGroup), read with FilterLogEvents in virtual time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cliHarness, environmentFrom, writeConfig, type Cli } from "./support/cli-harness.js";
import { deployHarness, type Harness } from "./support/deploy-harness.js";

const GROUP = "/aws/ecs/alert-engine-dev";
// awslogs streams are `<awslogs-stream-prefix>/<container name>/<task id>`; the backend's prefix and container are both mcp-server.
const TASK_A = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const TASK_B = "f9e8d7c6b5a4938271605f4e3d2c1b0a";
const stream = (task: string) => `mcp-server/mcp-server/${task}`;
const MINUTE = 60_000;
const ESC = "\u001B[";

/** `HH:MM:SS` of a virtual instant, as the command prints it (UTC). */
const hms = (at: number) => new Date(at).toISOString().slice(11, 19);

describe("orchestrate logs", () => {
  let h: Harness;
  let config: string;
  let cli: Cli;
  let now: number;
  beforeEach(() => {
    h = deployHarness();
    config = writeConfig(h.cloud.account);
    cli = cliHarness(h, config);
    now = h.cloud.clock.now();
  });
  afterEach(() => {
    h.cloud.restore();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  });

  /** The lines the latest run printed that look like log lines. */
  const logLines = () => cli.lastOutput().split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));

  it("prints the last 10 minutes by default, each line with its time and short task id; --since reaches further", async () => {
    h.cloud.logs.createGroup(GROUP);
    h.cloud.logs.append(GROUP, stream(TASK_A), "booting (an hour ago)", now - 60 * MINUTE);
    h.cloud.logs.append(GROUP, stream(TASK_A), "listening on 0.0.0.0:8000", now - 11 * MINUTE);
    h.cloud.logs.append(GROUP, stream(TASK_B), "GET /health 200", now - 9 * MINUTE);
    h.cloud.logs.append(GROUP, stream(TASK_A), "GET /mcp 200\n", now - 30_000);

    expect(await cli.run(["logs", "dev"])).toBe(0);
    expect(logLines()).toEqual([`${hms(now - 9 * MINUTE)} f9e8d7c6 GET /health 200`, `${hms(now - 30_000)} 0a1b2c3d GET /mcp 200`]);

    expect(await cli.run(["logs", "dev", "--since", "30m"])).toBe(0);
    expect(logLines()).toHaveLength(3);
    expect(logLines()[0]).toBe(`${hms(now - 11 * MINUTE)} 0a1b2c3d listening on 0.0.0.0:8000`);

    expect(await cli.run(["logs", "dev", "--since", "2h"])).toBe(0);
    expect(logLines()[0]).toMatch(/booting \(an hour ago\)$/);
    // Read-only: the command changes nothing in AWS.
    expect(h.cloud.mutatingCalls()).toEqual([]);
  });

  it("reads every page: more lines than one FilterLogEvents answer holds (10,000)", async () => {
    h.cloud.logs.createGroup(GROUP);
    for (let i = 0; i < 10_003; i++) h.cloud.logs.append(GROUP, stream(TASK_A), `line ${i}`, now - 5 * MINUTE + i);
    expect(await cli.run(["logs", "dev"])).toBe(0);
    const lines = logLines();
    expect(lines).toHaveLength(10_003);
    expect(lines.at(-1)).toMatch(/ line 10002$/);
    expect(h.cloud.callsOf("FilterLogEvents")).toHaveLength(2);
  });

  it("--filter matches plain text as a phrase, case sensitive; a CloudWatch pattern passes as written", async () => {
    h.cloud.logs.createGroup(GROUP);
    h.cloud.logs.append(GROUP, stream(TASK_A), "ERROR timeout talking to the database", now - MINUTE);
    h.cloud.logs.append(GROUP, stream(TASK_A), "timeout: ERROR in handler", now - MINUTE + 1);
    h.cloud.logs.append(GROUP, stream(TASK_B), "error timeout (lower case)", now - MINUTE + 2);
    h.cloud.logs.append(GROUP, stream(TASK_B), "WARN slow request", now - MINUTE + 3);

    expect(await cli.run(["logs", "dev", "--filter", "ERROR timeout"])).toBe(0);
    expect(logLines()).toEqual([`${hms(now - MINUTE)} 0a1b2c3d ERROR timeout talking to the database`]);
    expect(h.cloud.callsOf("FilterLogEvents").at(-1)?.input).toMatchObject({ filterPattern: '"ERROR timeout"' });

    expect(await cli.run(["logs", "dev", "--filter", "?ERROR ?WARN"])).toBe(0);
    expect(logLines().map((l) => l.slice(18))).toEqual(["ERROR timeout talking to the database", "timeout: ERROR in handler", "WARN slow request"]);
  });

  it("--follow prints new lines as they arrive, each once (also one ingested late), until Ctrl-C, then exits 0", async () => {
    h.cloud.logs.createGroup(GROUP);
    h.cloud.logs.append(GROUP, stream(TASK_A), "already there", now - MINUTE);
    h.cloud.logs.append(GROUP, stream(TASK_A), "three seconds in", now + 3_000);
    h.cloud.logs.append(GROUP, stream(TASK_B), "seven seconds in", now + 7_000);
    // Written at 5 s, but CloudWatch only has it at 9 s: the poll after 9 s still finds it.
    void h.cloud.clock.sleep(9_000).then(() => h.cloud.logs.append(GROUP, stream(TASK_B), "late", now + 5_000));
    const ctrlC = new AbortController();
    void h.cloud.clock.sleep(30_000).then(() => ctrlC.abort());

    expect(await cli.run(["logs", "dev", "--follow"], { signal: ctrlC.signal })).toBe(0);
    expect(logLines().map((l) => l.slice(18))).toEqual(["already there", "three seconds in", "seven seconds in", "late"]);
    expect(h.cloud.clock.now()).toBe(now + 30_000);
    // Polled every 2 s, not in a tight loop.
    const polls = h.cloud.callsOf("FilterLogEvents");
    expect(polls.length).toBeGreaterThanOrEqual(14);
    expect(polls.length).toBeLessThanOrEqual(16);
    expect(cli.lastOutput()).not.toMatch(/change sets|interrupted/i);
  });

  it("--follow ends when its reader goes away (`logs dev --follow | head`): exit 0, no more polls", async () => {
    h.cloud.logs.createGroup(GROUP);
    h.cloud.logs.append(GROUP, stream(TASK_A), "already there", now - MINUTE);
    const pipeClosed = new AbortController();
    void h.cloud.clock.sleep(10_000).then(() => pipeClosed.abort());

    expect(await cli.run(["logs", "dev", "--follow"], { outputClosed: pipeClosed.signal })).toBe(0);
    expect(h.cloud.clock.now()).toBe(now + 10_000);
    expect(h.cloud.callsOf("FilterLogEvents").length).toBeLessThanOrEqual(6);
  });

  it("says so when no line matches, instead of printing nothing (exit 0)", async () => {
    h.cloud.logs.createGroup(GROUP);
    h.cloud.logs.append(GROUP, stream(TASK_A), "too old", now - 20 * MINUTE);
    expect(await cli.run(["logs", "dev"])).toBe(0);
    expect(cli.lastOutput()).toBe(`no log lines in ${GROUP} in the last 10m (--since reaches further)`);
    expect(await cli.run(["logs", "dev", "--since", "1h", "--filter", "ERROR timeout"])).toBe(0);
    expect(cli.lastOutput()).toBe(`no log lines matching "ERROR timeout" in ${GROUP} in the last 1h (--since reaches further)`);
  });

  it("a missing log group is an error that says to deploy first, with this run's flags (exit 1)", async () => {
    expect(await cli.run(["logs", "dev"])).toBe(1);
    expect(cli.lastOutput()).toContain(`error: no log group ${GROUP} in us-east-2 — has \`npm run orchestrate -- deploy dev --config ${config}\` run?`);
  });

  it("reads the group the network stack created, after a real deploy", async () => {
    await h.deploy("dev", { env: environmentFrom(config, "dev") });
    h.cloud.logs.append(GROUP, stream(TASK_A), "hello from the deployed service");
    expect(await cli.run(["logs", "dev"])).toBe(0);
    expect(logLines()).toEqual([`${hms(h.cloud.clock.now())} 0a1b2c3d hello from the deployed service`]);
  });

  it("bad input is refused before any request (exit 2): an unknown environment, a malformed --since, a quote in plain --filter", async () => {
    h.cloud.logs.createGroup(GROUP);
    expect(await cli.run(["logs", "dve"])).toBe(2);
    expect(cli.lastOutput()).toMatch(/did you mean "dev"/i);
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    expect(await cli.run(["logs", "dev", "--since", "10"])).toBe(2);
    expect(await cli.run(["logs", "dev", "--since", "5x"])).toBe(2);
    expect(stderr.join("")).toMatch(/'--since <duration>' argument '5x' is invalid\. expected a duration such as 30s, 10m, 2h or 1d/);
    expect(await cli.run(["logs", "dev", "--filter", 'say "hi"'])).toBe(2);
    expect(cli.lastOutput()).toMatch(/--filter .*cannot hold a double quote/);
    expect(h.cloud.calls).toEqual([]);
  });

  it("refuses credentials of another account than the environment's, as other commands do (exit 2)", async () => {
    h.cloud.logs.createGroup(GROUP);
    const other = cliHarness(h, writeConfig("999999999999"));
    expect(await other.run(["logs", "dev"])).toBe(2);
    expect(other.lastOutput()).toMatch(/Cannot read the logs of dev/);
    expect(h.cloud.callsOf("FilterLogEvents")).toEqual([]);
  });

  describe("colour", () => {
    const isTTY = Object.getOwnPropertyDescriptor(process.stdout, "isTTY");
    afterEach(() => {
      if (isTTY) Object.defineProperty(process.stdout, "isTTY", isTTY);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    });
    const setTTY = (value: boolean) => Object.defineProperty(process.stdout, "isTTY", { value, configurable: true });

    beforeEach(() => {
      h.cloud.logs.createGroup(GROUP);
      h.cloud.logs.append(GROUP, stream(TASK_A), "hello", now - MINUTE);
    });

    it("none when stdout is not a terminal", async () => {
      setTTY(false);
      expect(await cli.run(["logs", "dev"])).toBe(0);
      expect(cli.lastOutput()).toContain(`${hms(now - MINUTE)} 0a1b2c3d hello`);
      expect(cli.lastOutput()).not.toContain(ESC);
    });

    it("on a terminal, a dim time and a colour per task; NO_COLOR turns it off", async () => {
      setTTY(true);
      expect(await cli.run(["logs", "dev"])).toBe(0);
      expect(cli.lastOutput()).toMatch(/\u001B\[2m\d\d:\d\d:\d\d\u001B\[0m \u001B\[3\dm0a1b2c3d\u001B\[0m hello/);
      vi.stubEnv("NO_COLOR", "1");
      expect(await cli.run(["logs", "dev"])).toBe(0);
      expect(cli.lastOutput()).not.toContain(ESC);
    });
  });
});
