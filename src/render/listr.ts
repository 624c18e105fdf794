/**
 * The live task tree for a terminal: one listr2 task per node, its title the node's line from LiveState,
 * re-titled every second so running stacks (and the certificate's wait) tick, and a last line with the total.
 * Listr only draws; the engine runs on its own and this subscribes to its events.
 *
 * Pausing: a question to a person needs the terminal to itself (listr redraws its frame over anything else
 * written). The view ends the current listr run with its frame cleared, prints a still picture of where each
 * stack stands, lets the question be asked, then starts a new listr run from the same state.
 */
import { Listr, type ListrTaskWrapper } from "listr2";
import type { EngineEvent, EventSink } from "../orchestrator/events.js";
import type { NodeId } from "../orchestrator/graph.js";
import { succeeded } from "../orchestrator/results.js";
import { LiveState } from "./live-view.js";

export interface LiveOptions {
  readonly now: () => number;
  /** Calls `tick` every `ms` until the returned function is called (setInterval by default; tests tick by hand). */
  readonly every?: (ms: number, tick: () => void) => () => void;
  /** Where the still picture goes when the view pauses. */
  readonly print?: (line: string) => void;
  /** Another listr2 renderer and its options (tests use "test", which writes title changes to a stream). */
  readonly listr?: { readonly renderer: string; readonly rendererOptions?: Record<string, unknown> };
}

export interface LiveRenderer {
  readonly sink: EventSink;
  /** Resolves when every node has finished and the tree has been drawn for the last time. */
  readonly done: Promise<void>;
  /** Stops drawing while `during` runs (a question to a person), then draws again, caught up. */
  pause<T>(during: () => Promise<T>): Promise<T>;
}

const TICK_MS = 1000;

const intervalTicker = (ms: number, tick: () => void) => {
  const timer = setInterval(tick, ms);
  timer.unref(); // the view never keeps the process alive on its own
  return () => clearInterval(timer);
};

export function listrRenderer(nodes: readonly NodeId[], options: LiveOptions): LiveRenderer {
  const state = new LiveState(nodes, options.now());
  let segment: Segment | undefined = drawSegment(state, options);
  let pauses = 0;
  let finishing: Promise<void> | undefined;
  let markDone!: () => void;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  const stopTicking = (options.every ?? intervalTicker)(TICK_MS, () => segment?.refresh());

  const finishIfComplete = () => {
    if (!state.finished || finishing) return;
    stopTicking();
    finishing = (segment?.settled ?? Promise.resolve()).then(markDone);
  };

  const sink = (event: EngineEvent) => {
    state.apply(event);
    segment?.refresh();
    finishIfComplete();
  };

  const pause = async <T>(during: () => Promise<T>): Promise<T> => {
    pauses++;
    const drawn = segment;
    segment = undefined;
    if (drawn) {
      await drawn.end();
      for (const line of state.snapshot(options.now())) (options.print ?? console.log)(line);
    }
    try {
      return await during();
    } finally {
      pauses--;
      if (pauses === 0 && !state.finished) segment = drawSegment(state, options);
      finishIfComplete();
    }
  };

  return { sink, done, pause };
}

interface Segment {
  /** Re-titles every line from the state; settles the tasks of finished nodes. */
  refresh(): void;
  /** Ends this listr run now (its frame cleared), whatever is still running. */
  end(): Promise<void>;
  /** Resolves once this listr run has ended. */
  readonly settled: Promise<void>;
}

type Wrapper = ListrTaskWrapper<unknown, never, never>;
type Key = NodeId | "total";

function drawSegment(state: LiveState, options: LiveOptions): Segment {
  const wrappers = new Map<Key, Wrapper>();
  /** Tasks listr is still running, each with how to end it: done, or failed (a node that failed). */
  const open = new Map<Key, { resolve: () => void; reject: (error: Error) => void }>();
  let ending = false;

  const settle = (key: Key, task: Wrapper) => {
    const running = open.get(key);
    if (!running) return;
    open.delete(key);
    const result = key === "total" ? undefined : state.result(key);
    if (result?.kind === "skipped") task.skip(task.title);
    // Failed, in listr's own terms, so its line gets the failure mark; the error's text is the line itself.
    if (result && !succeeded(result) && result.kind !== "skipped") running.reject(new Error(task.title));
    else running.resolve();
  };

  const refresh = () => {
    const now = options.now();
    for (const [key, task] of wrappers) {
      task.title = key === "total" ? state.total(now) : state.title(key, now);
      if (key === "total" ? state.finished : state.result(key)) settle(key, task);
    }
  };

  const follow = (key: Key) => (_ctx: unknown, task: Wrapper) =>
    new Promise<void>((resolve, reject) => {
      if (ending) return resolve(); // ended before listr got to start this task
      wrappers.set(key, task);
      open.set(key, { resolve, reject });
      refresh();
    });

  const now = options.now();
  const keys: Key[] = [...state.order, "total"];
  const listr = new Listr(
    keys.map((key) => ({ title: key === "total" ? state.total(now) : state.title(key, now), task: follow(key) })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      // The frame is cleared when a run ends (paused, or done): the still picture and the summary stay instead.
      rendererOptions: { clearOutput: true, ...options.listr?.rendererOptions },
      ...(options.listr ? { renderer: options.listr.renderer } : {}),
    } as never,
  );
  const settled = listr.run().then(
    () => undefined,
    () => undefined,
  );
  return {
    refresh,
    settled,
    end: () => {
      ending = true;
      for (const running of open.values()) running.resolve();
      open.clear();
      return settled;
    },
  };
}
