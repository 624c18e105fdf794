/** `orchestrate bootstrap <env>`: its options; the work loads on use (see bootstrap-run.ts). */
import { Command, InvalidArgumentError } from "commander";
import { envArgument } from "./exit.js";
import type { SessionOptions, SessionOverrides } from "./session.js";

export interface BootstrapOptions extends SessionOptions {
  keepImages?: number;
}

const keepCount = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError("expected a whole number between 1 and 1000");
  return n;
};

export function registerBootstrap(program: Command, overrides?: SessionOverrides): void {
  program
    .command("bootstrap")
    .description("create the environment's ECR repository (scan on push, keeps the last N images) and print the docker push commands")
    .addArgument(envArgument())
    .option("--keep-images <n>", "how many images the lifecycle policy keeps", keepCount, 30)
    .option("--profile <name>", "AWS profile")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (LocalStack or another emulator)")
    .action(async (envName: string, _opts: BootstrapOptions, command: Command) => {
      const { runBootstrap } = await import("./bootstrap-run.js");
      process.exitCode = await runBootstrap(envName, command.optsWithGlobals<BootstrapOptions>(), overrides);
    });
}
