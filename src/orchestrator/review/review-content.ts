/**
 * What a change set means beyond its rows: parameters before → after, the IAM statements and security-group
 * rules it adds and removes (from the deployed and desired templates with their parameters resolved), and
 * the concerns of the one judgment in approval.ts. The review and the deploy's approval both build it here.
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import type { Template } from "../../templates/cfn.js";
import { concerns, type ChangeConcern } from "./approval.js";
import type { ProtectionLowering } from "../protection.js";
import { iamChanges, type IamChange } from "./review-iam.js";
import { ruleChanges, type RuleChange } from "./review-network.js";
import { parameterChanges, type ParameterChange } from "./review-parameters.js";
import { withParameters } from "./review-show.js";

export interface ReviewContent {
  readonly parameters: ParameterChange[];
  readonly iam: IamChange[];
  readonly network: RuleChange[];
  /** Why a person must look (approval.ts concerns): what prod's deploy asks about. */
  readonly concerns: ChangeConcern[];
}

export interface ContentSource {
  readonly changes: readonly Change[];
  readonly lowerings: readonly ProtectionLowering[];
  /** template undefined: none that can be read (YAML, hand-edited): access is then judged by type, no tables. */
  readonly deployed: { readonly template?: Template; readonly parameters: Readonly<Record<string, string>> };
  readonly desired: { readonly template: Template; readonly parameters: Readonly<Record<string, string>> };
  readonly imageTag?: string;
}

export function reviewContent(source: ContentSource): ReviewContent {
  const deployed = withParameters(source.deployed.template, source.deployed.parameters);
  const desired = withParameters(source.desired.template, source.desired.parameters)!;
  return {
    parameters: parameterChanges(source.deployed.parameters, source.desired.parameters, source.imageTag ? { tag: source.imageTag } : undefined),
    iam: deployed ? iamChanges(deployed, desired) : [],
    network: deployed ? ruleChanges(deployed, desired) : [],
    concerns: concerns(source.changes, source.lowerings, { deployed, desired }),
  };
}
