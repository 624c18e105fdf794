import type { ChangeSetState, CloudFormationApi } from "../aws/cloudformation.js";
import { sleepUnlessAborted, type Clock } from "./clock.js";

const CHANGE_SET_TIMEOUT_MS = 15 * 60_000;

/**
 * Polls a change set until CloudFormation has computed it (or failed to), starting at 1 s and
 * backing off to 5 s: most are ready within seconds, a few big ones take a minute.
 */
export async function waitForChangeSet(
  ctx: { cfn: CloudFormationApi; clock: Clock; signal?: AbortSignal },
  stackName: string,
  changeSetId: string,
): Promise<ChangeSetState> {
  let delay = 1_000;
  const deadline = ctx.clock.now() + CHANGE_SET_TIMEOUT_MS;
  for (;;) {
    await sleepUnlessAborted(ctx.clock, delay, ctx.signal);
    const state = await ctx.cfn.describeChangeSet(stackName, changeSetId);
    if (state.status === "CREATE_COMPLETE" || state.status === "FAILED") return state;
    if (ctx.clock.now() > deadline) throw new Error(`change set ${changeSetId} still ${state.status} after ${CHANGE_SET_TIMEOUT_MS / 60_000} min`);
    delay = Math.min(delay * 1.5, 5_000);
  }
}
