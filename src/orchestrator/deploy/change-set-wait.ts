import type { ChangeSetState, CloudFormationApi } from "../../aws/cloudformation.js";
import { sleepUnlessAborted, type Clock } from "../clock.js";

const CHANGE_SET_TIMEOUT_MS = 15 * 60_000;

/**
 * Polls a change set until CloudFormation has computed it (or failed to): every second for the first
 * ten, since most are ready within seconds and each one sits on the critical path, then backing off
 * to 5 s for the few big ones that take a minute.
 */
export async function waitForChangeSet(
  ctx: { cfn: CloudFormationApi; clock: Clock; signal?: AbortSignal },
  stackName: string,
  changeSetId: string,
): Promise<ChangeSetState> {
  let delay = 1_000;
  const started = ctx.clock.now();
  const deadline = started + CHANGE_SET_TIMEOUT_MS;
  for (;;) {
    await sleepUnlessAborted(ctx.clock, delay, ctx.signal);
    const state = await ctx.cfn.describeChangeSet(stackName, changeSetId);
    if (state.status === "CREATE_COMPLETE" || state.status === "FAILED") return state;
    // Stryker disable next-line EqualityOperator: > and >= differ only for a poll on the deadline's very millisecond, where giving up then or 5 s later is the same 15-min bound
    if (ctx.clock.now() > deadline) throw new Error(`change set ${changeSetId} still ${state.status} after ${CHANGE_SET_TIMEOUT_MS / 60_000} min`);
    if (ctx.clock.now() - started >= 10_000) delay = Math.min(delay * 1.5, 5_000);
  }
}
