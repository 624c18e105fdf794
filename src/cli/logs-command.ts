/** `orchestrate logs <env>`: its options; the work (and the options' type) is in logs-run.ts. */
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseDuration } from "../duration.js";
import { awsCommand, runOnUse } from "./command.js";
import type { LogsOptions } from "./logs-run.js";
import type { SessionOverrides } from "./session.js";

const DEFAULT_SINCE_MS = 10 * 60_000;

function since(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError("expected a duration such as 30s, 10m, 2h or 1d");
  return ms;
}

export function registerLogs(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "logs", "the service's container logs (CloudWatch): `HH:MM:SS <task> message`, times in UTC", (command) =>
    command
      .addOption(new Option("--since <duration>", "from how long ago: 30s, 10m, 2h, 1d").default(DEFAULT_SINCE_MS, "10m").argParser(since))
      .option("--follow", "keep printing new lines until Ctrl-C")
      .option("--filter <text>", 'only lines with this text (case sensitive); text starting with { [ % " ? - is a CloudWatch filter pattern'),
  ).action(runOnUse<LogsOptions>(async () => (await import("./logs-run.js")).runLogs, overrides));
}
