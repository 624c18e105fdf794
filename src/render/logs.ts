/** One container log line as `orchestrate logs` prints it: `HH:MM:SS <task> message`, in colour only on a terminal. */
import type { LogLine } from "../orchestrator/logs/tail.js";

/** Eight characters of a 32-character ECS task id tell the service's tasks apart, as the ECS console shows them. */
const SHORT_TASK = 8;

const DIM = "\u001B[2m";
const RESET = "\u001B[0m";
/** Foreground colours that read on dark and light terminals alike: cyan, magenta, yellow, green, blue, red. */
const TASK_COLOURS = [36, 35, 33, 32, 34, 31].map((code) => `\u001B[${code}m`);

/** The same task gets the same colour in every run: chosen from its id, not from the order tasks appear in. */
function colourOf(task: string): string {
  let hash = 0;
  for (const char of task) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return TASK_COLOURS[hash % TASK_COLOURS.length]!;
}

/** UTC, like the timestamps of the deploy's own lines in CI: the same moment reads the same for everyone. */
const clockTime = (at: number) => new Date(at).toISOString().slice(11, 19);

export function logLineText(line: LogLine, options: { color: boolean }): string {
  const time = clockTime(line.at);
  const task = line.task.slice(0, SHORT_TASK).padEnd(SHORT_TASK);
  if (!options.color) return `${time} ${task} ${line.message}`;
  return `${DIM}${time}${RESET} ${colourOf(line.task)}${task}${RESET} ${line.message}`;
}
