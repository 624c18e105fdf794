/**
 * The public entry point: an internet-facing ALB that terminates TLS with the orchestrator's ACM
 * certificate and forwards to the tasks by IP (awsvpc tasks have their own ENIs).
 * Names are left to CloudFormation: a fixed name would block any replacement and ALB names cap at 32 characters.
 */
import { CONTAINER_PORT, HEALTH_CHECK_PATH, type Environment } from "../../env/model.js";
import { getAtt, ref, type Json, type Resource } from "../cfn.js";
import { tagList } from "../stack.js";
import { ALB_LOG_PREFIX } from "../storage-logs.js";
import { ID, type Param } from "./shared.js";

/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const attributes = (values: Record<string, Json>): Json => Object.entries(values).map(([Key, Value]) => ({ Key, Value }));


/** Access logs to the storage stack's log bucket where the environment keeps an audit trail. */
function accessLogs(env: Environment, param: Param): Record<string, Json> {
  if (!env.auditLogs) return {};
  return {
    "access_logs.s3.enabled": "true",
    "access_logs.s3.bucket": param("AccessLogBucketName"),
    "access_logs.s3.prefix": ALB_LOG_PREFIX,
  };
}

function loadBalancer(env: Environment, param: Param): Resource {
  return {
    Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
    Properties: {
      Type: "application",
      Scheme: "internet-facing",
      IpAddressType: "ipv4",
      Subnets: param("PublicSubnetIds"),
      SecurityGroups: [getAtt(ID.loadBalancerSecurityGroup, "GroupId")],
      LoadBalancerAttributes: attributes({
        // Requests with malformed headers are a request-smuggling vector; the app never needs them.
        "routing.http.drop_invalid_header_fields.enabled": "true",
        // Production's endpoint must not disappear with a mistaken stack delete; dev and stage tear down freely.
        "deletion_protection.enabled": String(env.retainData),
        ...accessLogs(env, param),
      }),
      Tags: tagList(env),
    },
  };
}

function targetGroup(env: Environment, param: Param): Resource {
  return {
    Type: "AWS::ElasticLoadBalancingV2::TargetGroup",
    Properties: {
      TargetType: "ip",
      Protocol: "HTTP",
      Port: CONTAINER_PORT,
      VpcId: param("VpcId"),
      HealthCheckEnabled: true,
      HealthCheckProtocol: "HTTP",
      HealthCheckPath: HEALTH_CHECK_PATH,
      HealthCheckIntervalSeconds: 15,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      Matcher: { HttpCode: "200" },
      // The default 300 s would hold every rolling deploy for five minutes per task.
      TargetGroupAttributes: attributes({ "deregistration_delay.timeout_seconds": "30" }),
      Tags: tagList(env),
    },
  };
}

function listeners(env: Environment, param: Param): Record<string, Resource> {
  return {
    [ID.httpsListener]: {
      Type: "AWS::ElasticLoadBalancingV2::Listener",
      Properties: {
        LoadBalancerArn: ref(ID.loadBalancer),
        Port: 443,
        Protocol: "HTTPS",
        SslPolicy: TLS_POLICY,
        Certificates: [{ CertificateArn: param("CertificateArn") }],
        DefaultActions: [{ Type: "forward", TargetGroupArn: ref(ID.targetGroup) }],
        Tags: tagList(env),
      },
    },
    [ID.httpListener]: {
      Type: "AWS::ElasticLoadBalancingV2::Listener",
      Properties: {
        LoadBalancerArn: ref(ID.loadBalancer),
        Port: 80,
        Protocol: "HTTP",
        // Plain HTTP only ever answers with a permanent redirect, keeping host, path and query.
        DefaultActions: [
          {
            Type: "redirect",
            RedirectConfig: { Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" },
          },
        ],
        Tags: tagList(env),
      },
    },
  };
}

export function loadBalancing(env: Environment, param: Param): Record<string, Resource> {
  return {
    [ID.loadBalancer]: loadBalancer(env, param),
    [ID.targetGroup]: targetGroup(env, param),
    ...listeners(env, param),
  };
}
