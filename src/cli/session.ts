/**
 * What every AWS-touching command shares: the environment, the clients, the clock, how to show
 * progress, how to ask a person, and Ctrl-C turned into an AbortSignal.
 */
import { createInterface } from "node:readline/promises";
import { createClients, type AwsClients } from "../aws/clients.js";
import { CloudFormationApi } from "../aws/cloudformation.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../aws/retry.js";
import { loadEnvironment } from "../env/load.js";
import { InterruptedError, isInterruption } from "../errors.js";
import type { Environment } from "../env/model.js";
import { systemClock, type Clock } from "../orchestrator/clock.js";
import type { EventSink } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import { DEFAULT_POLL, type PollSettings } from "../orchestrator/watch.js";
import { listrRenderer } from "../render/listr.js";
import { plainRenderer } from "../render/plain.js";
import { loadOptions, type GlobalOptions } from "./command.js";

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
  /** Starts the progress display for these nodes; `done` resolves once it has drawn its last frame. */
  readonly progress: (nodes: readonly NodeId[], options?: { plain?: boolean }) => { sink: EventSink; done: Promise<void> };
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
}

export function openSession(envName: string, options: SessionOptions, overrides: SessionOverrides = {}): Session {
  const env = loadEnvironment(envName, loadOptions(options));
  const clients = overrides.clients ?? createClients({ region: env.region, profile: options.profile, endpointUrl: options.endpointUrl });
  const retried = new Map<string, number>();
  const interactive = overrides.interactive ?? (Boolean(process.stdout.isTTY && process.stdin.isTTY) && !process.env.CI);
  const log = overrides.log ?? (options.json ? (line: string) => console.error(line) : (line: string) => console.log(line));
  const { signal, ask, stopListening } = interruptions(log, overrides);
  const retry: RetryPolicy = {
    ...(overrides.retry ?? DEFAULT_RETRY),
    onRetry: (error) => void retried.set(retryKind(error), (retried.get(retryKind(error)) ?? 0) + 1),
    stopRetryingOn: signal,
  };

  return {
    env,
    clients,
    cfn: new CloudFormationApi(clients.cloudformation, retry),
    clock: overrides.clock ?? systemClock,
    poll: overrides.poll ?? DEFAULT_POLL,
    retry,
    retrySummary: () => {
      const total = [...retried.values()].reduce((a, b) => a + b, 0);
      if (total === 0) return undefined;
      const kinds = [...retried].map(([kind, n]) => `${kind} ×${n}`).join(", ");
      return `AWS throttled or dropped ${total} call${total === 1 ? "" : "s"} (${kinds}); each was retried with backoff`;
    },
    signal,
    interactive,
    log,
    ask,
    progress: (nodes, progressOptions) =>
      interactive && !options.json && !progressOptions?.plain ? listrRenderer(nodes) : { sink: plainRenderer(log), done: Promise.resolve() },
    close: stopListening,
  };
}

/**
 * Ctrl-C turned into the session's AbortSignal, and questions to a person that a Ctrl-C at the prompt
 * interrupts the same way. `stopListening` removes the SIGINT handler when the session closes.
 */
function interruptions(log: (line: string) => void, overrides: SessionOverrides) {
  const controller = new AbortController();
  // Captured before listr2 takes over stdout (it buffers writes while it draws), so a hard exit still reaches the terminal.
  const writeToTerminal = process.stdout.write.bind(process.stdout);
  const interrupt = () => {
    if (controller.signal.aborted) {
      // A second Ctrl-C means now. listr2 hid the cursor while drawing and shows it again only when it ends
      // normally, so show it here, or the shell is left without one.
      if (process.stdout.isTTY) writeToTerminal("\u001B[?25h\n");
      process.exit(130);
    }
    log("\nInterrupted: stopping waits and cleaning up change sets this run created (Ctrl-C again to quit at once)...");
    controller.abort(new InterruptedError());
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
  return { signal, ask, stopListening: () => void process.off("SIGINT", interrupt) };
}

const retryKind = (error: Error) => (error as Error & { code?: string }).code ?? error.name;
