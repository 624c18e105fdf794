/** `orchestrate bootstrap <env>`: the ECR repository, then the commands that fill it. */
import { bootstrap } from "../orchestrator/bootstrap.js";
import { EXIT } from "./command.js";
import { commandLine } from "./invocation.js";
import { openSession, type SessionOverrides, type SessionOptions } from "./session.js";

export interface BootstrapOptions extends SessionOptions {
  keepImages?: number;
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
    log(`\nthen: ${commandLine(`deploy ${env.name}`, options)}   (or: deploy ${env.name} --build DIR to do both)`);
    return EXIT.ok;
  } finally {
    session.close();
  }
}
