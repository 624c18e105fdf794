/**
 * What every AWS-touching command shares: the environment, the clients, the clock, how to show
 * progress, how to ask a person, and Ctrl-C turned into an AbortSignal.
 */
import { setMaxListeners } from "node:events";
import { createInterface } from "node:readline/promises";
import { createClients, type AwsClients } from "../aws/clients.js";
import { CloudFormationApi } from "../aws/cloudformation.js";
import { AwsTimeoutError, DEFAULT_RETRY, type RetryPolicy } from "../aws/retry.js";
import { loadEnvironment } from "../env/load.js";
import { InterruptedError, isInterruption } from "../errors.js";
import type { Environment } from "../env/model.js";
import { systemClock, type Clock } from "../orchestrator/clock.js";
import type { EventSink } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import { DEFAULT_POLL, type PollSettings } from "../orchestrator/watch.js";
import { listrRenderer } from "../render/listr.js";
import { plainRenderer } from "../render/plain.js";
import { loadOptions, type GlobalOptions, type ProgressLines } from "./command.js";
import { count } from "../count.js";

export interface Progress {
  readonly sink: EventSink;
  readonly done: Promise<void>;
  pause<T>(during: () => Promise<T>): Promise<T>;
}

export interface SessionOptions extends GlobalOptions {
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
}

export interface Session {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  readonly poll: PollSettings;
  readonly retry: RetryPolicy;
  /** "AWS throttled or dropped N calls …", or undefined when nothing had to be retried. */
  readonly retrySummary: () => string | undefined;
  readonly signal: AbortSignal;
  readonly interactive: boolean;
  /** Human-readable lines (stderr under --json, so stdout stays one JSON document). */
  readonly log: (line: string) => void;
  readonly ask: (question: string) => Promise<string>;
  /**
   * Starts the progress display for these nodes: the live view on a terminal, timestamped lines otherwise
   * (`errors-only`: only what went wrong). `done` resolves once it has drawn its last frame; `pause` gives
   * the terminal to a question and resumes the view after it.
   */
  readonly progress: (nodes: readonly NodeId[], options?: { lines?: ProgressLines }) => Progress;
  readonly close: () => void;
}

/** Tests hand in fakes for any of these. */
export interface SessionOverrides {
  clients?: AwsClients;
  clock?: Clock;
  poll?: PollSettings;
  retry?: RetryPolicy;
  interactive?: boolean;
  log?: (line: string) => void;
  ask?: (question: string) => Promise<string>;
  signal?: AbortSignal;
  /** Aborted when stdout's reader went away (tests stand in for a closed pipe). */
  outputClosed?: AbortSignal;
}

/**
 * `interruptNote`: what the first Ctrl-C prints; the default speaks of change sets, which a read-only command
 * (`logs`) has none of. Empty: nothing (Ctrl-C is how `logs --follow` ends).
 */
export function openSession(envName: string, options: SessionOptions, overrides: SessionOverrides = {}, interruptNote = INTERRUPT_NOTE): Session {
  const env = loadEnvironment(envName, loadOptions(options));
  const clients = overrides.clients ?? createClients({ region: env.region, profile: options.profile, endpointUrl: options.endpointUrl });
  const retried = new Map<string, number>();
  const interactive = overrides.interactive ?? (Boolean(process.stdout.isTTY && process.stdin.isTTY) && !process.env.CI);
  const log = overrides.log ?? (options.json ? (line: string) => console.error(line) : (line: string) => console.log(line));
  const { signal, ask, stopListening } = interruptions(log, overrides, interruptNote);
  const clock = overrides.clock ?? systemClock;
  const retry: RetryPolicy = {
    ...(overrides.retry ?? DEFAULT_RETRY),
    onRetry: (error) => void retried.set(retryKind(error), (retried.get(retryKind(error)) ?? 0) + 1),
    stopRetryingOn: signal,
    // Request deadlines run on the run's clock, like every other wait (virtual in tests and the bench).
    sleep: (ms, abandon) => clock.sleep(ms, abandon),
  };

  return {
    env,
    clients,
    cfn: new CloudFormationApi(clients.cloudformation, retry),
    clock,
    poll: overrides.poll ?? DEFAULT_POLL,
    retry,
    retrySummary: () => {
      const total = [...retried.values()].reduce((a, b) => a + b, 0);
      if (total === 0) return undefined;
      const kinds = [...retried].map(([kind, n]) => `${kind} ×${n}`).join(", ");
      return `AWS throttled or dropped ${count(total, "call")} (${kinds}); each was retried with backoff`;
    },
    signal,
    interactive,
    log,
    ask,
    progress: (nodes, progressOptions) =>
      interactive && !options.json
        ? listrRenderer(nodes, { now: () => clock.now(), print: log })
        : { sink: plainRenderer(log, { only: progressOptions?.lines === "errors-only" ? "errors" : "all" }), done: Promise.resolve(), pause: (during) => during() },
    close: stopListening,
  };
}

/**
 * Ctrl-C turned into the session's AbortSignal, and questions to a person that a Ctrl-C at the prompt
 * interrupts the same way. `stopListening` removes the SIGINT handler when the session closes.
 */
function interruptions(log: (line: string) => void, overrides: SessionOverrides, note: string) {
  const controller = new AbortController();
  // Captured before listr2 takes over stdout (it buffers writes while it draws), so a hard exit still reaches the terminal.
  const writeToTerminal = process.stdout.write.bind(process.stdout);
  let watchdog: NodeJS.Timeout | undefined;
  const quit = () => {
    // listr2 hid the cursor while drawing and shows it again only when it ends normally, so show it here,
    // or the shell is left without one.
    if (process.stdout.isTTY) writeToTerminal("\u001B[?25h\n");
    process.exit(130);
  };
  const interrupt = () => {
    if (controller.signal.aborted) return quit(); // a second Ctrl-C means now
    if (note) log(note);
    controller.abort(new InterruptedError());
    // Requests in flight are abandoned and cleanup calls get short deadlines, so the run should end in a few
    // seconds; this bounds it even if something does not (a credential provider, a socket that ignores the abort).
    watchdog = setTimeout(() => {
      log(`\nCleanup did not finish within ${INTERRUPT_GRACE_MS / 1000} s of Ctrl-C: quitting. Change sets this run created may be left behind; the next deploy removes what an interrupted run left.`);
      quit();
    }, INTERRUPT_GRACE_MS);
    watchdog.unref(); // a run that ends on its own exits as soon as it is done, not when this fires
  };
  if (!overrides.signal) process.on("SIGINT", interrupt);
  // A caller's own signal (tests) still sees an interruption that starts at a prompt (below).
  const signal = overrides.signal ? AbortSignal.any([overrides.signal, controller.signal]) : controller.signal;

  const question =
    overrides.ask ??
    (async (text: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(text, { signal });
      } finally {
        rl.close();
      }
    });
  const ask = async (text: string) => {
    try {
      return await question(text);
    } catch (error) {
      // On a terminal, readline reads Ctrl-C itself (raw mode): the process gets no SIGINT and the question
      // rejects with an AbortError. It is the user's Ctrl-C all the same: stop the whole run (exit 130,
      // unexecuted change sets removed), not just this question while the other stacks carry on.
      if (isInterruption(error) && !controller.signal.aborted) interrupt();
      throw error;
    }
  };
  // Every request in flight listens on the signal (to be abandoned on Ctrl-C): dozens at once is normal, not a leak.
  setMaxListeners(0, signal);
  const stopListening = () => {
    process.off("SIGINT", interrupt);
    clearTimeout(watchdog);
  };
  return { signal, ask, stopListening };
}

const INTERRUPT_NOTE = "\nInterrupted: stopping waits and cleaning up change sets this run created (Ctrl-C again to quit at once)...";

/** After the first Ctrl-C, how long cleanup may take before the process quits anyway (exit 130). */
const INTERRUPT_GRACE_MS = 10_000;

const retryKind = (error: Error) => (error instanceof AwsTimeoutError ? "no answer in time" : ((error as Error & { code?: string }).code ?? error.name));
