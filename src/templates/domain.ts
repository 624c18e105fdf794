import { apiDomain, apiUrl } from "../env/model.js";
import { join, type Json, type Resource } from "./cfn.js";
import { defineStack, from } from "./stack.js";

const inputs = {
  HostedZoneId: from("context", "HostedZoneId"),
  LoadBalancerDnsName: from("backend", "LoadBalancerDnsName"),
  LoadBalancerHostedZoneId: from("backend", "LoadBalancerCanonicalHostedZoneId"),
};
type Param = (name: keyof typeof inputs) => Json;

/**
 * Alias, not CNAME: it is free to query, follows the ALB's changing addresses, and, unlike a CNAME,
 * could also sit at a zone apex. EvaluateTargetHealth lets a future failover record take over when
 * the ALB has no healthy targets; with this single record Route 53 fails open.
 *
 * The target is the load balancer's `dualstack.` name, as AWS asks of A and AAAA aliases to an ALB
 * that serves IPv6 (and as the Route 53 console and the CDK always write it): the bare DNSName is not
 * where an ALB's IPv6 addresses are published. For an IPv4-only ALB the dualstack name resolves to the
 * same IPv4 addresses, so the A record behaves exactly as before.
 */
function aliasRecord(name: string, type: "A" | "AAAA", param: Param): Resource {
  return {
    Type: "AWS::Route53::RecordSet",
    Properties: {
      HostedZoneId: param("HostedZoneId"),
      Name: name,
      Type: type,
      AliasTarget: {
        DNSName: join("", ["dualstack.", param("LoadBalancerDnsName")]),
        HostedZoneId: param("LoadBalancerHostedZoneId"),
        EvaluateTargetHealth: true,
      },
    },
  };
}

export const domainStack = defineStack({
  id: "domain",
  description: "DNS records pointing the API domain at the load balancer",
  inputs,
  statefulResources: [],
  body: (env, param) => {
    const domain = apiDomain(env);
    return {
      resources: {
        ApiRecordA: aliasRecord(domain, "A", param),
        // An alias to an IPv4-only ALB resolves AAAA to no answer (not an error), so clients fall back
        // to A. The record is kept so IPv6 works as soon as the ALB becomes dualstack, which needs
        // IPv6 CIDRs on the VPC and public subnets; pointing at the dualstack. name (above) is what
        // makes that true without another DNS change.
        ApiRecordAAAA: aliasRecord(domain, "AAAA", param),
      },
      outputs: {
        ApiDomainName: { value: domain, description: "API domain name" },
        ApiUrl: { value: apiUrl(env), description: "API base URL" },
      },
    };
  },
});
