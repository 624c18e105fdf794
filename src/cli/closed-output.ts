/**
 * A reader that goes away (`orchestrate logs dev --follow | head`, `status --json | jq` failing) closes the pipe;
 * the next write fails with EPIPE, which Node raises as an unhandled 'error' event: a crash with a stack trace.
 * What was printed before is all the reader wanted, so the failed write is not an error. A long-running read
 * (`logs --follow`) ends on this signal; a deploy or teardown carries on to its end without printing — a closed
 * pipe is no reason to leave AWS half-changed.
 */
import type { Writable } from "node:stream";

const watched = new WeakMap<Writable, AbortSignal>();

/** Aborted once a write to `stream` found its reader gone; from then on write errors of that kind are dropped. */
export function readerGone(stream: Writable = process.stdout): AbortSignal {
  const known = watched.get(stream);
  if (known) return known;
  const gone = new AbortController();
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    gone.abort(error);
  });
  watched.set(stream, gone.signal);
  return gone.signal;
}
