/**
 * The words of the command that shows the service's container logs, for every hint that blames the container
 * (a failed deploy's next step, a stopped task's hint). The CLI turns them into a command as the user can paste
 * it (render/command-line.ts, with the run's --config/--region/--profile/--endpoint-url).
 */
import type { Environment } from "../../env/model.js";

/** A failed rollout can take most of an hour to give up; an hour of logs covers the tasks it started. */
export const logsWords = (env: Pick<Environment, "name">): string => `logs ${env.name} --since 1h`;
