/** `orchestrate status <env>`: read and print; drift is reported, not an error. */
import { lookUpCertificate } from "../orchestrator/deploy/certificate.js";
import { requireAccount } from "../orchestrator/deploy/preflight.js";
import { environmentStatus } from "../orchestrator/status.js";
import { statusText } from "../render/status.js";
import { EXIT } from "./command.js";
import { commandLine } from "./invocation.js";
import { openSession, type SessionOverrides, type SessionOptions } from "./session.js";
import { StackDriftApi } from "../aws/cloudformation-drift.js";
import { hotswapDriftText } from "../orchestrator/hotswap/drift.js";

export interface StatusOptions extends SessionOptions {
  drift?: boolean;
}

export async function runStatus(envName: string, options: StatusOptions, overrides?: SessionOverrides): Promise<number> {
  const session = openSession(envName, options, overrides);
  try {
    const { env, clients, retry } = session;
    await requireAccount(session, "show the status of");
    const status = await environmentStatus({
      env,
      cfn: session.cfn,
      clock: session.clock,
      signal: session.signal,
      drift: options.drift ? new StackDriftApi(clients.cloudformation, retry) : undefined,
      certificate: async () => (await lookUpCertificate(env, clients, retry)).description,
      serviceDrift: hotswapDriftText(clients, retry, env),
    });
    if (options.json) console.log(JSON.stringify(status, null, 2));
    else session.log(statusText(status, (words) => commandLine(words, options)));
    return EXIT.ok;
  } finally {
    session.close();
  }
}
