/**
 * `deploy --build DIR`: build the service image with the docker CLI and push it to the
 * environment's repository. The ECR password goes to docker on stdin, never in argv or a log line.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import type { AwsClients } from "../../aws/clients.js";
import { EcrApi } from "../../aws/ecr.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { repositoryName, type Environment } from "../../env/model.js";
import { UserInputError } from "../../errors.js";
import { npmCommand, type CommandLine } from "./reviewed-change-sets.js";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell; `input` is written to its stdin; `onLine` sees its output as it comes. */
export type Runner = (command: string, args: string[], options?: { cwd?: string; input?: string; onLine?: (line: string) => void }) => Promise<RunResult>;

export type BuildTarget =
  | { repositoryUri: string; ecr: EcrApi }
  /** `command`: how a refusal names the command to run next (the CLI's repeats this run's flags). */
  | { env: Environment; clients: AwsClients; retry: RetryPolicy; command?: CommandLine };

export type BuildRequest = BuildTarget & {
  readonly dir: string;
  /** Defaults to the git short sha of DIR's checkout. */
  readonly tag?: string;
  readonly run?: Runner;
  readonly log?: (line: string) => void;
};

export interface BuildResult {
  readonly tag: string;
  readonly repositoryUri: string;
  readonly imageUri: string;
}

export async function buildAndPush(request: BuildRequest): Promise<BuildResult> {
  const run = request.run ?? spawnRunner;
  const log = request.log ?? (() => {});
  const { dir } = request;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserInputError(`--build ${dir}: no such directory; point it at the directory holding the service's Dockerfile`);

  const { repositoryUri, ecr } = await target(request);
  const tag = request.tag ?? (await gitTag(run, dir, log));
  const imageUri = `${repositoryUri}:${tag}`;
  const registry = repositoryUri.split("/")[0]!;

  const login = await ecr.login();
  log(`docker login ${registry}`);
  await docker(run, ["login", "--username", login.username, "--password-stdin", registry], { input: login.password });
  log(`docker build -t ${imageUri} ${dir}`);
  await docker(run, ["build", "-t", imageUri, dir], { onLine: (line) => log(`  ${line}`) });
  log(`docker push ${imageUri}`);
  await docker(run, ["push", imageUri], { onLine: (line) => log(`  ${line}`) });
  return { tag, repositoryUri, imageUri };
}

async function target(request: BuildRequest): Promise<{ repositoryUri: string; ecr: EcrApi }> {
  if ("ecr" in request) return { repositoryUri: request.repositoryUri, ecr: request.ecr };
  const ecr = new EcrApi(request.clients.ecr, request.retry);
  const name = repositoryName(request.env);
  const repository = await ecr.describeRepository(name);
  if (!repository) {
    throw new UserInputError(`ECR repository ${name} does not exist in ${request.env.region}: create it with '${(request.command ?? npmCommand)(`bootstrap ${request.env.name}`)}', then rerun with --build`);
  }
  return { repositoryUri: repository.uri, ecr };
}

/** The checkout's short sha: the same source always gets the same tag, and a tag leads back to its commit. */
async function gitTag(run: Runner, dir: string, log: (line: string) => void): Promise<string> {
  const head = await run("git", ["rev-parse", "--short", "HEAD"], { cwd: dir }).catch((error: Error) => ({ code: -1, stdout: "", stderr: error.message }));
  const sha = head.stdout.trim();
  if (head.code !== 0 || !sha) {
    throw new UserInputError(`cannot tag the image: ${dir} is not inside a git checkout with a commit (${head.stderr.trim() || "git failed"}); pass --image-tag TAG`);
  }
  const status = await run("git", ["status", "--porcelain"], { cwd: dir }).catch(() => undefined);
  if (status?.stdout.trim()) log(`warning: ${dir} has uncommitted changes; the tag ${sha} names the last commit, not exactly what is built`);
  return sha;
}

async function docker(run: Runner, args: string[], options: { input?: string; onLine?: (line: string) => void }): Promise<void> {
  let result: RunResult;
  try {
    result = await run("docker", args, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserInputError("the docker CLI is not on PATH: install Docker (or start Docker Desktop), or push the image yourself and deploy with --image-tag");
    }
    throw error;
  }
  if (result.code !== 0) {
    const tail = (result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n    ");
    throw new Error(`docker ${args[0]} failed (exit ${result.code}):\n    ${tail}`);
  }
}

/** The real runner: child_process.spawn, no shell, so no argument is ever re-parsed. */
export const spawnRunner: Runner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: string[] = [];
    const err: string[] = [];
    // Chunks end anywhere; only whole lines are passed on, the rest waits for the next chunk.
    const collect = (into: string[]) => {
      let partial = "";
      return (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        into.push(text);
        const lines = (partial + text).split(/\r?\n/);
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) options.onLine?.(line);
      };
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout: out.join(""), stderr: err.join("") }));
    child.stdin.on("error", () => {}); // a program that exits without reading stdin is not our error
    child.stdin.end(options.input ?? "");
  });

/** Log in, build, tag and push, as a person would type them; the registry is the URI's host. */
export function pushCommands(repositoryUri: string, tag: string, region: string, dir = "."): string[] {
  const registry = repositoryUri.split("/")[0] ?? repositoryUri;
  const local = repositoryUri.split("/").slice(1).join("/") || "app";
  return [
    `aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${registry}`,
    `docker build -t ${local}:${tag} ${dir}`,
    `docker tag ${local}:${tag} ${repositoryUri}:${tag}`,
    `docker push ${repositoryUri}:${tag}`,
  ];
}
