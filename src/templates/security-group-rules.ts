/** Security group rule shapes shared by the stacks that build groups. */
import type { Json } from "./cfn.js";

export const tcp = (port: number, peer: Record<string, Json>, description: string): Record<string, Json> => ({
  IpProtocol: "tcp",
  FromPort: port,
  ToPort: port,
  ...peer,
  Description: description,
});

/**
 * CloudFormation keeps EC2's default allow-all egress unless SecurityGroupEgress lists at least one
 * rule; a standalone AWS::EC2::SecurityGroupEgress does not remove it. This rule matches nothing
 * (an ICMP type/code pair that does not exist, to a broadcast address), so a group holding it has
 * no effective egress but the rules added beside it.
 */
export const NO_EGRESS: Json = {
  IpProtocol: "icmp",
  FromPort: 252,
  ToPort: 86,
  CidrIp: "255.255.255.255/32",
  Description: "Placeholder that disables the default allow-all egress",
};
