/**
 * "Nothing to do": whether the deployed stack already is the desired one, decided the same way by deploy
 * (before it creates a change set) and by review.
 */
import type { CloudFormationApi, DeployedStack } from "../../aws/cloudformation.js";
import { sameJson } from "../../canonical-json.js";
import type { DesiredStack } from "./deploy-context.js";

/**
 * What differs between the deployed stack and the desired one, in words; nothing means nothing to do.
 * Parameters and tags are compared first: when they already differ, the template need not be fetched.
 */
export async function differences(cfn: CloudFormationApi, deployed: DeployedStack, desired: DesiredStack): Promise<string[]> {
  const found = recordDifferences(deployed, desired);
  if (found.length > 0) return found;
  return sameJson(await cfn.templateBody(desired.name), desired.template) ? [] : ["template"];
}

function recordDifferences(deployed: DeployedStack, desired: Pick<DesiredStack, "parameters" | "tags">): string[] {
  const changedKeys = (a: Record<string, string>, b: Record<string, string>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]).sort();
  const parameters = changedKeys(deployed.parameters, desired.parameters);
  const tags = changedKeys(deployed.tags, desired.tags);
  return [...(parameters.length > 0 ? [`parameters ${parameters.join(", ")}`] : []), ...(tags.length > 0 ? [`tags ${tags.join(", ")}`] : [])];
}

/**
 * Whether the deployed stack already is the desired one: the test deploy makes before it creates a change
 * set, shared with review so both agree on "no changes". The template is compared by meaning, since what
 * CloudFormation hands back may differ from what was sent in key order or spacing.
 */
export function matchesDeployed(
  deployed: DeployedStack,
  deployedBody: string | undefined,
  desired: Pick<DesiredStack, "template" | "parameters" | "tags">,
): boolean {
  return recordDifferences(deployed, desired).length === 0 && sameJson(deployedBody, desired.template);
}
