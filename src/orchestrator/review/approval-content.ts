/**
 * What a deploy's approval judges and shows, from the same sources as the review: the deployed template and
 * parameters against the desired ones. Read only where a question may be asked (an approval level other
 * than "never", a stack that exists), so an ordinary deploy costs no extra call.
 */
import type { Change } from "@aws-sdk/client-cloudformation";
import type { CloudFormationApi } from "../../aws/cloudformation.js";
import type { Template } from "../../templates/cfn.js";
import type { AccessTemplates, ApprovalLevel } from "./approval.js";
import type { ProtectionLowering } from "../protection.js";
import { reviewContent, type ReviewContent } from "./review-content.js";
import { withParameters } from "./review-show.js";
import { parseTemplate } from "../teardown/teardown-retained.js";

export interface ApprovalContent {
  readonly access: AccessTemplates;
  readonly content: ReviewContent;
}

export async function approvalContent(
  cfn: CloudFormationApi,
  approval: ApprovalLevel,
  desired: { readonly name: string; readonly template: Template; readonly parameters: Readonly<Record<string, string>> },
  changeSet: { readonly type: "CREATE" | "UPDATE"; readonly changes: readonly Change[] },
  lowerings: readonly ProtectionLowering[],
): Promise<ApprovalContent | undefined> {
  if (approval === "never" || changeSet.type !== "UPDATE") return undefined;
  const [stack, body] = await Promise.all([cfn.describeStack(desired.name), cfn.templateBody(desired.name)]);
  const deployed = { template: parseTemplate(body), parameters: stack?.parameters ?? {} };
  return {
    access: { deployed: withParameters(deployed.template, deployed.parameters), desired: withParameters(desired.template, desired.parameters)! },
    content: reviewContent({ changes: changeSet.changes, lowerings, deployed, desired }),
  };
}
