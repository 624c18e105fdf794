/**
 * Two security groups that only talk to each other: the internet reaches the load balancer on
 * 80/443, the load balancer reaches tasks on the container port, tasks reach AWS APIs on 443.
 * The rules that name the other group are separate resources, so neither group depends on the other.
 */
import { CONTAINER_PORT, type Environment } from "../../env/model.js";
import { getAtt, type Json, type Resource } from "../cfn.js";
import { tagList } from "../stack.js";
import { ID, type Param } from "./shared.js";

const tcp = (port: number, peer: Record<string, Json>, description: string): Record<string, Json> => ({
  IpProtocol: "tcp",
  FromPort: port,
  ToPort: port,
  ...peer,
  Description: description,
});

/**
 * CloudFormation keeps EC2's default allow-all egress unless SecurityGroupEgress lists at least one
 * rule; a standalone AWS::EC2::SecurityGroupEgress does not remove it. This rule matches nothing
 * (an ICMP type/code pair that does not exist, to a broadcast address), so the load balancer's only
 * effective egress is the rule to the tasks below.
 */
const NO_EGRESS: Json = {
  IpProtocol: "icmp",
  FromPort: 252,
  ToPort: 86,
  CidrIp: "255.255.255.255/32",
  Description: "Placeholder that disables the default allow-all egress",
};

export function securityGroups(env: Environment, param: Param): Record<string, Resource> {
  const albGroup = getAtt(ID.loadBalancerSecurityGroup, "GroupId");
  const taskGroup = getAtt(ID.taskSecurityGroup, "GroupId");
  return {
    [ID.loadBalancerSecurityGroup]: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: `${env.project} ${env.name} load balancer: HTTP and HTTPS from the internet`,
        VpcId: param("VpcId"),
        SecurityGroupIngress: [80, 443].flatMap((port) => [
          tcp(port, { CidrIp: "0.0.0.0/0" }, `Port ${port} from anywhere (IPv4)`),
          tcp(port, { CidrIpv6: "::/0" }, `Port ${port} from anywhere (IPv6)`),
        ]),
        SecurityGroupEgress: [NO_EGRESS],
        Tags: tagList(env, { Name: `${env.project}-${env.name}-alb` }),
      },
    },
    LoadBalancerToTaskEgress: {
      Type: "AWS::EC2::SecurityGroupEgress",
      Properties: {
        GroupId: albGroup,
        ...tcp(CONTAINER_PORT, { DestinationSecurityGroupId: taskGroup }, "Forward to service tasks"),
      },
    },
    [ID.taskSecurityGroup]: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: `${env.project} ${env.name} backend tasks: traffic from the load balancer only`,
        VpcId: param("VpcId"),
        // ECR, S3, Secrets Manager, CloudWatch Logs and Cognito are all HTTPS. DNS to the VPC
        // resolver is not subject to security groups.
        SecurityGroupEgress: [tcp(443, { CidrIp: "0.0.0.0/0" }, "HTTPS to AWS APIs")],
        Tags: tagList(env, { Name: `${env.project}-${env.name}-backend-tasks` }),
      },
    },
    TaskFromLoadBalancerIngress: {
      Type: "AWS::EC2::SecurityGroupIngress",
      Properties: {
        GroupId: taskGroup,
        ...tcp(CONTAINER_PORT, { SourceSecurityGroupId: albGroup }, "From the load balancer"),
      },
    },
  };
}
