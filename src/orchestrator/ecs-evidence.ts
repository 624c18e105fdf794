/**
 * What ECS and the load balancer say about a service that does not stay up, as lines a person can act on:
 * stopped tasks collapsed by cause (exit code, container reason), unhealthy targets, each with a hint.
 * Shared by the diagnosis of a failed stack, the watch while a stack deploys, and the rollout follower.
 */
import type { StoppedTask } from "../aws/ecs.js";
import type { TargetHealth } from "../aws/elbv2.js";
import { count as countOf } from "../count.js";

/** Stops that are part of a normal rolling deploy (a scale-in, a rollback's), not a sign of trouble. */
const ROUTINE_STOP = /Scaling activity initiated by|Service .* deployment|Task stopped by user/i;

export const isRoutineStop = (task: StoppedTask): boolean => ROUTINE_STOP.test(task.stoppedReason ?? "");

/** `logs`: the command that shows the container's logs, for the hints that send a person there. */
const HINTS: [RegExp, (logs: string) => string][] = [
  [/CannotPullContainer|pull image manifest|not found: manifest/i, () => "the image cannot be pulled: check it is in ECR with that tag and that the tasks can reach ECR (NAT gateway or public IP)"],
  [/ResourceInitializationError.*secret|secretsmanager|AccessDeniedException/i, () => "the task cannot read its secret: check secretsArn and the execution role's secretsmanager:GetSecretValue"],
  [/Essential container in task exited/i, (logs) => `the server exited: read its logs with ${logs}`],
  [/Target\.ResponseCodeMismatch/i, () => "the health check got the wrong status: /health must answer 200"],
  [/Target\.Timeout|Target\.FailedHealthChecks/i, () => "the health check timed out: is the server listening on 0.0.0.0:8000?"],
];

const hintFor = (text: string, logs = "") => HINTS.find(([pattern]) => pattern.test(text))?.[1](logs);

/** Why one task stopped: its stop reason and each failing container's reason or exit code. */
export function stopCause(task: StoppedTask): string {
  const containers = task.containers
    .filter((c) => c.reason || (c.exitCode !== undefined && c.exitCode !== 0))
    .map((c) => `${c.name}: ${c.reason ?? `exit code ${c.exitCode}`}`);
  return [task.stoppedReason ?? task.stopCode ?? "no reason given", ...containers].join("; ");
}

/** Identical reasons collapse into one line with a count: ten restarts for one cause are one finding. `logs`: the logs command. */
export function stoppedReasons(tasks: StoppedTask[], logs: string): string[] {
  const counts = new Map<string, number>();
  for (const task of tasks) {
    const reason = stopCause(task);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => {
    const hint = hintFor(reason, logs);
    return `${countOf(count, "stopped task")}: ${reason}${hint ? ` (${hint})` : ""}`;
  });
}

/** Every target that is not healthy, with the load balancer's reason. */
export function healthReasons(targets: TargetHealth[]): string[] {
  return targets
    .filter((t) => t.state !== "healthy")
    .map((t) => {
      const why = [t.reason, t.description].filter(Boolean).join(": ");
      const hint = t.reason ? hintFor(t.reason) : undefined;
      return `target ${t.id}${t.port ? `:${t.port}` : ""} ${t.state}${why ? ` — ${why}` : ""}${hint ? ` (${hint})` : ""}`;
    });
}
