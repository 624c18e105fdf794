/** EC2 in the engine's own words: the one VPC setting CloudFormation cannot express. */
import {
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  EC2Client,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { provideEc2Client } from "./clients.js";
import { RetryingApi } from "./retry.js";

// EC2's SDK loads with this module, not with clients.ts (see there): a command that never calls EC2 never parses it.
provideEc2Client(EC2Client);

export interface RestrictedGroup {
  readonly groupId: string;
  /** Rules removed this time; both 0 when it was already closed. */
  readonly revokedIngress: number;
  readonly revokedEgress: number;
}

export class Ec2Api extends RetryingApi<EC2Client> {
  /** The group by id, or the VPC's group named `default` (every VPC has exactly one). */
  async defaultSecurityGroup(target: { groupId?: string; vpcId?: string }): Promise<SecurityGroup | undefined> {
    const input = target.groupId
      ? { GroupIds: [target.groupId] }
      : { Filters: [{ Name: "vpc-id", Values: [target.vpcId ?? ""] }, { Name: "group-name", Values: ["default"] }] };
    const result = await this.send(new DescribeSecurityGroupsCommand(input));
    return result.SecurityGroups?.[0];
  }

  /**
   * Removes every ingress and egress rule of the default group (CIS AWS Foundations 5.4), so a
   * resource launched without an explicit group can neither be reached nor reach out. Revoking
   * exactly what is there makes a second run a read and nothing more.
   */
  async restrictDefaultSecurityGroup(target: { groupId?: string; vpcId?: string }): Promise<RestrictedGroup> {
    const group = await this.defaultSecurityGroup(target);
    if (!group?.GroupId) throw new Error(`no default security group found for ${target.groupId ?? `VPC ${target.vpcId}`}`);
    const groupId = group.GroupId;
    const ingress = group.IpPermissions ?? [];
    const egress = group.IpPermissionsEgress ?? [];
    if (ingress.length > 0) {
      await this.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: ingress }));
    }
    if (egress.length > 0) {
      await this.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: egress }));
    }
    return { groupId, revokedIngress: ingress.length, revokedEgress: egress.length };
  }
}
