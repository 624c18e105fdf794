import { Argument } from "commander";
import { ENVIRONMENT_NAMES } from "../env/model.js";

/** 0 done, 1 failed, 2 usage or input error, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export const envArgument = () => new Argument("<env>", "environment").choices(ENVIRONMENT_NAMES);
