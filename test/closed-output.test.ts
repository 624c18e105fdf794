import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readerGone } from "../src/cli/closed-output.js";

const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE" });

describe("a reader that goes away (EPIPE on stdout)", () => {
  it("is no crash: the write error is taken, and the signal says the reader is gone", () => {
    const stdout = new PassThrough();
    const signal = readerGone(stdout);
    expect(signal.aborted).toBe(false);
    expect(() => stdout.emit("error", epipe())).not.toThrow();
    expect(signal.aborted).toBe(true);
  });

  it("watches a stream once, however many commands ask", () => {
    const stdout = new PassThrough();
    expect(readerGone(stdout)).toBe(readerGone(stdout));
    expect(stdout.listenerCount("error")).toBe(1);
  });

  it("other write errors are still errors", () => {
    const stdout = new PassThrough();
    const signal = readerGone(stdout);
    expect(() => stdout.emit("error", Object.assign(new Error("no space"), { code: "ENOSPC" }))).toThrow("no space");
    expect(signal.aborted).toBe(false);
  });
});
