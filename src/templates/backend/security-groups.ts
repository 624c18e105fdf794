/**
 * Two security groups that only talk to each other: the internet reaches the load balancer on
 * 80/443, the load balancer reaches tasks on the container port, tasks reach AWS APIs on 443 and
 * their database on its port. The rules that name another group are separate resources, so no
 * group depends on another. The load balancer's NO_EGRESS leaves the rule to the tasks its only egress.
 */
import { CONTAINER_PORT, type Environment } from "../../env/model.js";
import { getAtt, type Json, type Resource } from "../cfn.js";
import { SUBNET_TIERS } from "../network-layout.js";
import { NO_EGRESS, tcp } from "../security-group-rules.js";
import { tagList } from "../stack.js";
import { ID, type Param } from "./shared.js";

/**
 * HTTPS to AWS APIs, and the database port to where a database may be: the database subnets, and
 * the destination outside the VPC the environment names (a CIDR, or a managed prefix list).
 */
function taskEgress(env: Environment): Json[] {
  const port = env.databasePort;
  const rules = [
    // ECR, S3, Secrets Manager, CloudWatch Logs and Cognito are all HTTPS. DNS to the VPC
    // resolver is not subject to security groups.
    tcp(443, { CidrIp: "0.0.0.0/0" }, "HTTPS to AWS APIs"),
    ...SUBNET_TIERS.Database.cidrs.map((cidr) => tcp(port, { CidrIp: cidr }, `Database in subnet ${cidr}`)),
  ];
  const outside = env.databaseDestination;
  if (outside !== undefined) {
    const peer: Record<string, Json> = outside.startsWith("pl-") ? { DestinationPrefixListId: outside } : { CidrIp: outside };
    rules.push(tcp(port, peer, `Database outside the VPC at ${outside}`));
  }
  return rules;
}

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
        SecurityGroupEgress: taskEgress(env),
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
    // The network stack's database group starts closed; this backend's tasks are its only clients.
    DatabaseFromTaskIngress: {
      Type: "AWS::EC2::SecurityGroupIngress",
      Properties: {
        GroupId: param("DatabaseSecurityGroupId"),
        ...tcp(env.databasePort, { SourceSecurityGroupId: taskGroup }, "From the backend tasks"),
      },
    },
  };
}
