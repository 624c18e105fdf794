/**
 * What `orchestrate deploy` was asked, as commander parsed it: the command (deploy-command.ts) declares the
 * flags, the run (deploy-run.ts) and its checks read them; all import it from here, none from each other.
 */
import type { ApprovalLevel } from "../orchestrator/review/approval.js";
import type { ProgressLines } from "./command.js";
import type { SessionOptions } from "./session.js";

export interface DeployOptions extends SessionOptions {
  /** As typed: short ids or stack names, resolved against the environment by selectNodes. */
  stacks?: string[];
  concurrency?: number;
  requireApproval?: ApprovalLevel;
  yes?: boolean;
  continueRollback?: boolean;
  imageTag?: string;
  build?: string;
  certTimeout: number;
  outputsFile?: string;
  templateBucket?: string;
  changeset?: string;
  allowProtectionLowering?: boolean;
  progress?: ProgressLines;
  /** Drift-aware change sets (DeploymentMode REVERT_DRIFT): also put back what was changed outside CloudFormation. */
  revertDrift?: boolean;
  /** Skip CloudFormation when only the backend's image and plain container variables differ (hotswap-run.ts). */
  hotswap?: boolean;
  /** Hotswap what can be, deploy the rest through change sets; implies --hotswap. */
  hotswapFallback?: boolean;
  /** How long a hotswap waits for the ECS rollout to complete, in ms. */
  rolloutTimeout: number;
  /** CloudFormation's express mode (not where data is retained); done only once the service is ready. */
  express?: boolean;
}
