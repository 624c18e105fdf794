/**
 * EC2 security groups of the VPCs the network stack creates: each VPC gets its default group with
 * AWS's default rules (all traffic from itself in, everything out), which CIS checks want revoked.
 */
import {
  EC2ServiceException,
  type DescribeSecurityGroupsCommandInput,
  type DescribeSecurityGroupsCommandOutput,
  type DescribeVpcsCommandOutput,
  type IpPermission,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { awsError } from "./errors.js";
import { hashOf } from "./ids.js";
import { defaultSecurityGroupOf } from "./resource-types.js";
import type { Handlers, Out, World } from "./world.js";

/** One source for one protocol/port range: the unit EC2 authorizes and revokes. */
interface Rule {
  id: string;
  protocol: string;
  fromPort?: number | undefined;
  toPort?: number | undefined;
  cidr?: string | undefined;
  cidr6?: string | undefined;
  group?: string | undefined;
  prefixList?: string | undefined;
}

export interface FakeSecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: Rule[];
  egress: Rule[];
}

export interface FakeVpc {
  id: string;
  cidr: string;
  defaultSecurityGroupId: string;
}

const ec2Error = (code: string, message: string) => awsError(EC2ServiceException, code, message, { fields: { Code: code } });

export class FakeEc2 {
  readonly vpcs = new Map<string, FakeVpc>();
  readonly securityGroups = new Map<string, FakeSecurityGroup>();

  constructor(private readonly world: World) {}

  /** Registers a VPC and its default security group. */
  addVpc(vpcId = `vpc-${this.world.ids.fresh("vpc").slice(0, 17)}`, cidr = "10.0.0.0/16"): FakeVpc {
    const groupId = defaultSecurityGroupOf(vpcId);
    const vpc: FakeVpc = { id: vpcId, cidr, defaultSecurityGroupId: groupId };
    this.vpcs.set(vpcId, vpc);
    this.securityGroups.set(groupId, {
      id: groupId,
      name: "default",
      description: "default VPC security group",
      vpcId,
      ingress: [{ id: this.ruleId(groupId, "in"), protocol: "-1", group: groupId }],
      egress: [{ id: this.ruleId(groupId, "out"), protocol: "-1", cidr: "0.0.0.0/0" }],
    });
    return vpc;
  }

  removeVpc(vpcId: string): void {
    this.vpcs.delete(vpcId);
    for (const [id, group] of this.securityGroups) if (group.vpcId === vpcId) this.securityGroups.delete(id);
  }

  private ruleId(groupId: string, salt: string): string {
    return `sgr-${hashOf(groupId, salt, this.world.ids.fresh("rule")).slice(0, 17)}`;
  }

  private mustGetGroup(id: string | undefined): FakeSecurityGroup {
    const group = this.securityGroups.get(id ?? "");
    if (!group) throw ec2Error("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
    return group;
  }

  handlers(): Handlers {
    const ec2 = this;
    const account = this.world.account;
    const change = (direction: "ingress" | "egress", action: "revoke" | "authorize") => (input: { GroupId?: string; IpPermissions?: IpPermission[]; SecurityGroupRuleIds?: string[] }) => {
      const group = ec2.mustGetGroup(input.GroupId);
      const rules = group[direction];
      if (action === "revoke") {
        const byId = (input.SecurityGroupRuleIds ?? []).map((id) => rules.find((r) => r.id === id));
        const byPermission = explode(input.IpPermissions ?? []).map((wanted) => rules.find((r) => sameRule(r, wanted)));
        const targets = [...byId, ...byPermission];
        if (targets.some((r) => r === undefined)) throw ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
        group[direction] = rules.filter((r) => !targets.includes(r));
        return { Return: true };
      }
      const added = explode(input.IpPermissions ?? []);
      if (added.some((wanted) => rules.some((r) => sameRule(r, wanted)))) throw ec2Error("InvalidPermission.Duplicate", "the specified rule already exists");
      group[direction] = [...rules, ...added.map((r) => ({ ...r, id: ec2.ruleId(group.id, direction) }))];
      return { Return: true, SecurityGroupRules: [] };
    };
    return {
      DescribeSecurityGroups(input: DescribeSecurityGroupsCommandInput): Out<DescribeSecurityGroupsCommandOutput> {
        let groups = input.GroupIds ? input.GroupIds.map((id) => ec2.mustGetGroup(id)) : [...ec2.securityGroups.values()];
        for (const filter of input.Filters ?? []) {
          const values = filter.Values ?? [];
          const field: Record<string, (g: FakeSecurityGroup) => string> = { "vpc-id": (g) => g.vpcId, "group-name": (g) => g.name, "group-id": (g) => g.id, description: (g) => g.description };
          const get = field[filter.Name ?? ""];
          if (!get) throw ec2Error("InvalidParameterValue", `The filter '${filter.Name}' is invalid`);
          groups = groups.filter((g) => values.includes(get(g)));
        }
        if (input.GroupNames) groups = groups.filter((g) => input.GroupNames!.includes(g.name));
        return { SecurityGroups: groups.map((g): SecurityGroup => ({ GroupId: g.id, GroupName: g.name, Description: g.description, VpcId: g.vpcId, OwnerId: account, IpPermissions: implode(g.ingress, account), IpPermissionsEgress: implode(g.egress, account) })) };
      },
      DescribeVpcs(input: { VpcIds?: string[] }): Out<DescribeVpcsCommandOutput> {
        const vpcs = [...ec2.vpcs.values()].filter((v) => !input.VpcIds || input.VpcIds.includes(v.id));
        return { Vpcs: vpcs.map((v) => ({ VpcId: v.id, CidrBlock: v.cidr, State: "available" as const, IsDefault: false, OwnerId: account })) };
      },
      RevokeSecurityGroupIngress: change("ingress", "revoke"),
      RevokeSecurityGroupEgress: change("egress", "revoke"),
      AuthorizeSecurityGroupIngress: change("ingress", "authorize"),
      AuthorizeSecurityGroupEgress: change("egress", "authorize"),
    };
  }
}

function explode(permissions: IpPermission[]): Omit<Rule, "id">[] {
  return permissions.flatMap((p) => {
    const base = { protocol: String(p.IpProtocol ?? "-1"), fromPort: p.FromPort, toPort: p.ToPort };
    return [
      ...(p.IpRanges ?? []).map((r) => ({ ...base, cidr: r.CidrIp })),
      ...(p.Ipv6Ranges ?? []).map((r) => ({ ...base, cidr6: r.CidrIpv6 })),
      ...(p.UserIdGroupPairs ?? []).map((r) => ({ ...base, group: r.GroupId })),
      ...(p.PrefixListIds ?? []).map((r) => ({ ...base, prefixList: r.PrefixListId })),
    ];
  });
}

function sameRule(a: Omit<Rule, "id">, b: Omit<Rule, "id">): boolean {
  const ports = (r: Omit<Rule, "id">) => (r.protocol === "-1" ? "" : `${r.fromPort}-${r.toPort}`);
  return a.protocol === b.protocol && ports(a) === ports(b) && a.cidr === b.cidr && a.cidr6 === b.cidr6 && a.group === b.group && a.prefixList === b.prefixList;
}

function implode(rules: Rule[], account: string): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const r of rules) {
    const key = `${r.protocol}|${r.fromPort}|${r.toPort}`;
    const permission = byRange.get(key) ?? {
      IpProtocol: r.protocol,
      ...(r.fromPort !== undefined ? { FromPort: r.fromPort } : {}),
      ...(r.toPort !== undefined ? { ToPort: r.toPort } : {}),
      IpRanges: [],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
    };
    if (r.cidr) permission.IpRanges!.push({ CidrIp: r.cidr });
    if (r.cidr6) permission.Ipv6Ranges!.push({ CidrIpv6: r.cidr6 });
    if (r.group) permission.UserIdGroupPairs!.push({ GroupId: r.group, UserId: account });
    if (r.prefixList) permission.PrefixListIds!.push({ PrefixListId: r.prefixList });
    byRange.set(key, permission);
  }
  return [...byRange.values()];
}
