#!/usr/bin/env node
import module from "node:module";

// The SDK warns on every run that its 2027 releases will need Node 22; the README says so once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Most of start-up is V8 compiling the bundle; Node 22.1+ can keep that work on disk between runs (in the
// OS temp directory). Node 20 has no such cache, hence the optional call. Before any other import, or it is too late.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// A reader that closes the pipe early (`| head`) must not crash the run (see closed-output.ts).
const { readerGone } = await import("./closed-output.js");
readerGone();
const { main } = await import("./program.js");
process.exitCode = await main(process.argv.slice(2));
