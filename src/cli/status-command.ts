/** `orchestrate status <env>`: its options; the work is in status-run.ts. */
import type { Command } from "commander";
import { awsCommand, runOnUse } from "./command.js";
import type { SessionOverrides } from "./session.js";
import type { StatusOptions } from "./status-run.js";

export function registerStatus(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "status", "each stack's state and last update, the certificate and the API URL", (command) =>
    command
      .option("--drift", "also detect drift between each stack's template and its resources (takes a minute)")
      .option("--json", "print one JSON document"),
  ).action(runOnUse<StatusOptions>(async () => (await import("./status-run.js")).runStatus, overrides));
}
