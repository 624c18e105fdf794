/** The account check every AWS-touching command makes first: a wrong profile must never reach a mutating call. */
import { inputErrors } from "../errors.js";
import { checkIdentity } from "../orchestrator/preflight.js";
import type { Session } from "./session.js";

export async function requireAccount(session: Session, verb: string): Promise<void> {
  const problems: string[] = [];
  await checkIdentity({ env: session.env, clients: session.clients, retry: session.retry }, problems);
  if (problems.length > 0) throw inputErrors(problems, `Cannot ${verb} ${session.env.name} (${session.env.region}):`);
}
