/**
 * Security-group rule changes, computed from the deployed and desired templates (parameters resolved), as
 * `cdk diff` shows them (aws-cdk cloudformation-diff, SecurityGroupChanges): each rule added or removed, by
 * group, direction, protocol and ports, and peer. A rule added lets more traffic through (widens); a rule
 * removed lets less (narrows). A description alone is no change of access, so it is not part of a rule here.
 */
import { canonicalJson } from "../../canonical-json.js";
import type { Json, Template } from "../../templates/cfn.js";
import { showValue } from "./review-show.js";

export interface SecurityGroupRule {
  /** The group: its logical id for inline rules, the GroupId's value for a standalone rule resource. */
  readonly group: string;
  /** The resource holding the rule: the group, or the standalone AWS::EC2::SecurityGroupIngress/Egress. */
  readonly logicalId: string;
  readonly direction: "in" | "out";
  readonly protocol: string;
  readonly ports: string;
  readonly peer: string;
  readonly description: string;
}

export interface RuleChange {
  readonly change: "added" | "removed";
  readonly rule: SecurityGroupRule;
  readonly widens: boolean;
}

const PEERS = ["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId", "SourcePrefixListId", "DestinationPrefixListId", "SourceSecurityGroupName"];

export function rulesOf(template: Template | undefined): SecurityGroupRule[] {
  const found: SecurityGroupRule[] = [];
  for (const [logicalId, resource] of Object.entries(template?.Resources ?? {})) {
    const p = resource.Properties ?? {};
    if (resource.Type === "AWS::EC2::SecurityGroup") {
      for (const [field, direction] of [["SecurityGroupIngress", "in"], ["SecurityGroupEgress", "out"]] as const) {
        for (const r of Array.isArray(p[field]) ? p[field] : []) found.push(rule(logicalId, logicalId, direction, r as Record<string, Json>));
      }
    } else if (resource.Type === "AWS::EC2::SecurityGroupIngress" || resource.Type === "AWS::EC2::SecurityGroupEgress") {
      found.push(rule(showValue(p.GroupId ?? p.GroupName), logicalId, resource.Type.endsWith("Ingress") ? "in" : "out", p));
    }
  }
  return found;
}

function rule(group: string, logicalId: string, direction: "in" | "out", r: Record<string, Json>): SecurityGroupRule {
  const protocol = showValue(r.IpProtocol);
  const all = protocol === "-1" || protocol === "all";
  const [from, to] = [showValue(r.FromPort), showValue(r.ToPort)];
  const ports = all || r.FromPort === undefined ? "all" : from === to ? from : `${from}-${to}`;
  const peer = PEERS.filter((k) => r[k] !== undefined).map((k) => showValue(r[k])).join(", ") || "(none)";
  return { group, logicalId, direction, protocol: all ? "all" : protocol, ports, peer, description: r.Description === undefined ? "" : showValue(r.Description) };
}

const key = (r: SecurityGroupRule) => canonicalJson({ group: r.group, direction: r.direction, protocol: r.protocol, ports: r.ports, peer: r.peer });

export function ruleChanges(deployed: Template | undefined, desired: Template | undefined): RuleChange[] {
  const before = rulesOf(deployed);
  const after = rulesOf(desired);
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return [
    ...before.filter((r) => !afterKeys.has(key(r))).map((rule) => ({ change: "removed" as const, rule, widens: false })),
    ...after.filter((r) => !beforeKeys.has(key(r))).map((rule) => ({ change: "added" as const, rule, widens: true })),
  ];
}
