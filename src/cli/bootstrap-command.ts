/** `orchestrate bootstrap <env>`: its options; the work loads on use (see bootstrap-run.ts). */
import { InvalidArgumentError, type Command } from "commander";
import { awsCommand, runOnUse } from "./command.js";
import type { SessionOverrides } from "./session.js";
import type { BootstrapOptions } from "./bootstrap-run.js";

const keepCount = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError("expected a whole number between 1 and 1000");
  return n;
};

export function registerBootstrap(program: Command, overrides?: SessionOverrides): void {
  awsCommand(program, "bootstrap", "create the environment's ECR repository (scan on push, keeps the last N images) and print the docker push commands", (command) =>
    command.option("--keep-images <n>", "how many images the lifecycle policy keeps", keepCount, 30),
  ).action(runOnUse<BootstrapOptions>(async () => (await import("./bootstrap-run.js")).runBootstrap, overrides));
}
