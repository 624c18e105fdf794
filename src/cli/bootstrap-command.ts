/** `orchestrate bootstrap <env>`: the ECR repository, then the commands that fill it. */
import { Command, InvalidArgumentError } from "commander";
import { bootstrap } from "../orchestrator/bootstrap.js";
import { EXIT, envArgument } from "./exit.js";
import { openSession, type SessionOptions, type SessionOverrides } from "./session.js";

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
      process.exitCode = await runBootstrap(envName, command.optsWithGlobals<BootstrapOptions>(), overrides);
    });
}

export async function runBootstrap(envName: string, options: BootstrapOptions, overrides?: SessionOverrides): Promise<number> {
  const session = openSession(envName, options, overrides);
  try {
    const { env, log } = session;
    const result = await bootstrap({ env, clients: session.clients, retry: session.retry, keepImages: options.keepImages });
    log(`${env.name}: ECR repository ${result.repository.uri} (account ${result.account}, ${env.region})`);
    for (const change of result.changes) log(`  ${change}`);
    if (result.changes.length === 0) log("  already in place: nothing changed");
    log("\nPush the service image (from the directory with its Dockerfile):");
    for (const line of result.pushCommands) log(`  ${line}`);
    log(`\nthen: npm run orchestrate -- deploy ${env.name}   (or: deploy ${env.name} --build DIR to do both)`);
    return EXIT.ok;
  } finally {
    session.close();
  }
}
