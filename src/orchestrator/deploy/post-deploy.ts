/**
 * What happens around a stack once CloudFormation is done with it: the steps it cannot express,
 * the ECS-side reasons when the backend fails, and the outputs a person or a pipeline reads next.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AwsClients } from "../../aws/clients.js";
import { CloudFormationApi } from "../../aws/cloudformation.js";
import { EcsApi, type StoppedTask } from "../../aws/ecs.js";
import type { RetryPolicy } from "../../aws/retry.js";
import { S3Api } from "../../aws/s3.js";
import { apiUrl, BUCKET_PREFIXES, clusterName, logGroupName, serviceName, stackName, type Environment, type StackId } from "../../env/model.js";
import type { DeployReport } from "./deploy.js";
import { healthReasons, isRoutineStop, stopCause, stoppedReasons } from "../ecs-evidence.js";
import { logsWords } from "../logs/command-hint.js";
import { succeeded, type NodeResult } from "../results.js";

export interface PostDeployDeps {
  readonly env: Environment;
  readonly clients: AwsClients;
  readonly retry: RetryPolicy;
  /**
   * Words (`logs dev --since 1h`) → the command a person pastes, with the run's flags (the CLI's commandLine),
   * for the hints that send them to the container's logs. Default: `npm run orchestrate -- <words>`, no flags.
   */
  readonly command?: (words: string) => string;
}

const logsCommand = (deps: PostDeployDeps) => (deps.command ?? ((words: string) => `npm run orchestrate -- ${words}`))(logsWords(deps.env));

/** Runs after each stack that succeeded (also when unchanged, so a failed step is retried by the next deploy). */
export function afterStackSteps(deps: PostDeployDeps): (node: StackId, outputs: Record<string, string>, signal?: AbortSignal) => Promise<string[]> {
  return async (node, outputs, signal) => {
    const step = AFTER_STACK[node];
    if (!step) return [];
    // Each step changes AWS: after a Ctrl-C none starts (the stack itself is done; the next deploy runs the step).
    if (signal?.aborted) return [`not done: ${step.what} (interrupted before it started); the next deploy does it`];
    return step.run(deps, outputs);
  };
}

const AFTER_STACK: Partial<Record<StackId, { what: string; run: (deps: PostDeployDeps, outputs: Record<string, string>) => Promise<string[]> }>> = {
  network: { what: "restricting the default security group (CIS 5.4)", run: (deps, outputs) => restrictDefaultGroup(deps, outputs) },
  storage: { what: "creating the bucket's folder markers", run: (deps, outputs) => folderMarkers(deps, outputs) },
};

async function restrictDefaultGroup(deps: PostDeployDeps, outputs: Record<string, string>): Promise<string[]> {
  const target = { groupId: outputs.DefaultSecurityGroupId, vpcId: outputs.VpcId };
  if (!target.groupId && !target.vpcId) throw new Error("the network stack reports neither DefaultSecurityGroupId nor VpcId, so its default security group cannot be restricted");
  try {
    // Loaded here, not at the top: EC2's SDK is the largest, and a deploy needs it only after the network stack.
    const { Ec2Api } = await import("../../aws/ec2.js");
    const result = await new Ec2Api(deps.clients.ec2, deps.retry).restrictDefaultSecurityGroup(target);
    if (result.revokedIngress + result.revokedEgress === 0) return [];
    return [`default security group ${result.groupId}: removed ${result.revokedIngress} ingress and ${result.revokedEgress} egress rule(s) (CIS 5.4)`];
  } catch (error) {
    // The stack is fine; the run still fails so nobody believes the VPC is closed when it is not.
    throw new Error(
      `the network stack deployed, but restricting its default security group ${target.groupId ?? `(VPC ${target.vpcId})`} failed: ${(error as Error).message}. ` +
        "Rerun the deploy to retry (the stack is unchanged, so only this step runs); it needs ec2:DescribeSecurityGroups and ec2:RevokeSecurityGroupIngress/Egress",
    );
  }
}

/** S3 has no folders; the zero-byte `alerts/` etc. make the layout visible in the console and to tools that list by delimiter. */
async function folderMarkers(deps: PostDeployDeps, outputs: Record<string, string>): Promise<string[]> {
  const bucket = outputs.BucketName;
  if (!bucket) throw new Error("the storage stack reports no BucketName, so the folder markers cannot be created");
  const s3 = new S3Api(deps.clients.s3, deps.retry);
  // Five independent checks: asked at once, they cost one round trip on the way to the backend, not five.
  const made = await Promise.all(BUCKET_PREFIXES.map((prefix) => s3.putObjectIfMissing(bucket, prefix)));
  const created = BUCKET_PREFIXES.filter((_, i) => made[i]);
  return created.length > 0 ? [`created folder markers ${created.join(" ")} in s3://${bucket}`] : [];
}

/** For a failed backend: why the tasks stopped and what the load balancer thought of them, from ECS itself. */
export function diagnoseStack(deps: PostDeployDeps): (node: StackId, result: NodeResult) => Promise<string[]> {
  return async (node, result) => {
    if (node !== "backend" || result.kind !== "failed") return [];
    const { env } = deps;
    const deployed = await new CloudFormationApi(deps.clients.cloudformation, deps.retry).describeStack(stackName(env, "backend"));
    const cluster = clusterName(env);
    const service = deployed?.outputs.ServiceName ?? serviceName(env);
    const ecs = new EcsApi(deps.clients.ecs, deps.retry);
    const state = await ecs.service(cluster, service);
    // A rolling deploy's own scale-in (and a rollback's) is not why the service failed.
    const stopped = (await ecs.stoppedTasks(cluster, service)).filter((t) => !isRoutineStop(t));
    const groups = state?.targetGroupArns.length ? state.targetGroupArns : [deployed?.outputs.TargetGroupArn].filter((a): a is string => Boolean(a));
    const { LoadBalancerApi } = await import("../../aws/elbv2.js"); // only a failed backend needs it
    const health = (await Promise.all(groups.map((arn) => new LoadBalancerApi(deps.clients.elbv2, deps.retry).targetHealth(arn)))).flat();

    const findings: string[] = [];
    if (state) findings.push(`ECS service ${service} in ${cluster}: ${state.running}/${state.desired} tasks running`);
    findings.push(...stoppedReasons(stopped, logsCommand(deps)), ...healthReasons(health));
    if (state) findings.push(...state.events.slice(0, 3).map((e) => `service event: ${e.message}`));
    if (findings.length === 0 && result.rootCause?.resourceType === "AWS::ECS::Service") {
      findings.push(`ECS has no service ${service} or stopped tasks in ${cluster} any more (the rollback removed them); their logs remain in ${logGroupName(env)}`);
    }
    return findings;
  };
}

/**
 * While the backend deploys: tasks that stop on their own, named within a minute or two instead of when
 * CloudFormation gives up on the service (hours later without a circuit breaker). The first call notes
 * the tasks that had already stopped, so only this deploy's are reported; no clock is compared.
 */
export function serviceWatch(deps: PostDeployDeps): (node: StackId) => (() => Promise<string[]>) | undefined {
  return (node) => {
    if (node !== "backend") return undefined;
    const { env } = deps;
    const ecs = new EcsApi(deps.clients.ecs, deps.retry);
    const stoppedNow = () => ecs.stoppedTasks(clusterName(env), serviceName(env)).catch(() => [] as StoppedTask[]);
    let known: Promise<Set<string>> | undefined;
    // A crash loop stops a new task every minute or so, each with its own ARN: each cause is said once.
    const said = new Set<string>();
    return async () => {
      if (!known) {
        known = stoppedNow().then((tasks) => new Set(tasks.map((t) => t.taskArn)));
        await known;
        return [];
      }
      const seen = await known;
      const fresh = (await stoppedNow()).filter((t) => !seen.has(t.taskArn) && !isRoutineStop(t));
      for (const task of fresh) seen.add(task.taskArn);
      const untold = fresh.filter((t) => !said.has(stopCause(t)));
      for (const task of untold) said.add(stopCause(task));
      return stoppedReasons(untold, logsCommand(deps));
    };
  };
}

/**
 * The outputs of every node that succeeded, keyed by node, written whole or not at all (a
 * pipeline must never read half a file). After a partial failure the missing nodes are listed.
 */
export function writeOutputsFile(path: string, report: DeployReport): void {
  const outputs: Record<string, Record<string, string>> = {};
  const incomplete: string[] = [];
  for (const [node, result] of report.results) {
    if (succeeded(result)) outputs[node] = result.outputs;
    else incomplete.push(node);
  }
  const document = {
    environment: report.env.name,
    region: report.env.region,
    apiUrl: apiUrl(report.env),
    complete: incomplete.length === 0 && !report.interrupted,
    ...(incomplete.length > 0 ? { notDeployed: incomplete } : {}),
    outputs,
  };
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(temporary, path);
}
