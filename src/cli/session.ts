/**
 * What every AWS-touching command shares: the environment, the clients, the clock, how to show
 * progress, how to ask a person, and Ctrl-C turned into an AbortSignal.
 */
import { createInterface } from "node:readline/promises";
import { createClients, type AwsClients } from "../aws/clients.js";
import { CloudFormationApi } from "../aws/cloudformation.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../aws/retry.js";
import { loadEnvironment } from "../env/load.js";
import type { Environment } from "../env/model.js";
import { systemClock, type Clock } from "../orchestrator/clock.js";
import type { EventSink } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import { DEFAULT_POLL, type PollSettings } from "../orchestrator/watch.js";
import { listrRenderer } from "../render/listr.js";
import { plainRenderer } from "../render/plain.js";

export interface SessionOptions {
  config?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  verbose?: boolean;
}

export interface Session {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly cfn: CloudFormationApi;
  readonly clock: Clock;
  readonly poll: PollSettings;
  readonly retry: RetryPolicy;
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
  const env = loadEnvironment(envName, { configFile: options.config, region: options.region });
  const clients = overrides.clients ?? createClients({ region: env.region, profile: options.profile, endpointUrl: options.endpointUrl });
  const retry = overrides.retry ?? DEFAULT_RETRY;
  const interactive = overrides.interactive ?? (Boolean(process.stdout.isTTY && process.stdin.isTTY) && !process.env.CI);
  const log = overrides.log ?? (options.json ? (line: string) => console.error(line) : (line: string) => console.log(line));

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C means now
    log("\nInterrupted: stopping waits and cleaning up change sets this run created (Ctrl-C again to quit at once)...");
    controller.abort(new Error("interrupted"));
  };
  if (!overrides.signal) process.on("SIGINT", onSigint);

  const ask =
    overrides.ask ??
    (async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    });

  return {
    env,
    clients,
    cfn: new CloudFormationApi(clients.cloudformation, retry),
    clock: overrides.clock ?? systemClock,
    poll: overrides.poll ?? DEFAULT_POLL,
    retry,
    signal: overrides.signal ?? controller.signal,
    interactive,
    log,
    ask,
    progress: (nodes, progressOptions) =>
      interactive && !options.json && !progressOptions?.plain ? listrRenderer(nodes) : { sink: plainRenderer(log), done: Promise.resolve() },
    close: () => process.off("SIGINT", onSigint),
  };
}
