/** ACM in the engine's own words: the environment's certificate, found by domain and tags, or requested. */
import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
  KeyAlgorithm,
  type ACMClient,
  type CertificateStatus,
} from "@aws-sdk/client-acm";
import { randomUUID } from "node:crypto";
import type { CnameRecord } from "./route53.js";
import { hasErrorName, RetryingApi } from "./retry.js";

export interface CertificateState {
  readonly arn: string;
  readonly domain: string;
  readonly status: CertificateStatus | "UNKNOWN";
  /** ACM's code for a FAILED certificate, e.g. CAA_ERROR. */
  readonly failureReason?: string;
  /** The CNAME ACM asks for; absent for the first few seconds after a request. */
  readonly validationRecord?: CnameRecord;
  readonly inUseBy: string[];
}

const LIVE_STATUSES: CertificateStatus[] = ["ISSUED", "PENDING_VALIDATION"];
export const ALL_STATUSES: CertificateStatus[] = ["ISSUED", "PENDING_VALIDATION", "FAILED", "VALIDATION_TIMED_OUT", "EXPIRED", "INACTIVE", "REVOKED"];

/**
 * ListCertificates returns only RSA_1024 and RSA_2048 certificates unless asked for other key types, so a
 * certificate made by hand with an EC key would be invisible, and teardown would delete the validation
 * record that certificate shares with ours (and needs to renew).
 */
const EVERY_KEY_TYPE = Object.values(KeyAlgorithm);

export const isCertificateInUse = (error: unknown) => hasErrorName(error, "ResourceInUseException");

export class AcmApi extends RetryingApi<ACMClient> {
  /**
   * ARNs of certificates for exactly `domain` carrying every one of `tags`, issued ones first.
   * Tags tell ours apart from a certificate someone made by hand for the same name.
   */
  async findCertificates(domain: string, tags: Record<string, string>, statuses: CertificateStatus[] = LIVE_STATUSES): Promise<string[]> {
    const candidates: { arn: string; issued: boolean }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(new ListCertificatesCommand({ CertificateStatuses: statuses, Includes: { keyTypes: EVERY_KEY_TYPE }, NextToken: nextToken, MaxItems: 500 }));
      for (const summary of page.CertificateSummaryList ?? []) {
        if (summary.CertificateArn && summary.DomainName?.toLowerCase() === domain.toLowerCase()) {
          candidates.push({ arn: summary.CertificateArn, issued: summary.Status === "ISSUED" });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);

    const ours: { arn: string; issued: boolean }[] = [];
    for (const candidate of candidates) {
      if (Object.keys(tags).length === 0) {
        ours.push(candidate);
        continue;
      }
      const found = await this.tags(candidate.arn);
      if (Object.entries(tags).every(([key, value]) => found[key] === value)) ours.push(candidate);
    }
    return ours.sort((a, b) => Number(b.issued) - Number(a.issued)).map((c) => c.arn);
  }

  async tags(arn: string): Promise<Record<string, string>> {
    const result = await this.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
    return Object.fromEntries((result.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  }

  /** Requests a DNS-validated certificate, tagged in the same call so it is never untagged. */
  async request(domain: string, tags: Record<string, string>): Promise<string> {
    // One token for every retry of this request: a retry after a lost response gets the same certificate
    // back instead of a second one. A later run makes a new token, so a certificate deleted meanwhile is not revived.
    const token = randomUUID().replace(/-/g, "");
    const result = await this.send(new RequestCertificateCommand({
      DomainName: domain,
      ValidationMethod: "DNS",
      IdempotencyToken: token,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }));
    if (!result.CertificateArn) throw new Error(`ACM accepted the request for ${domain} but returned no certificate ARN`);
    return result.CertificateArn;
  }

  async describe(arn: string): Promise<CertificateState> {
    const result = await this.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    const certificate = result.Certificate ?? {};
    const option = certificate.DomainValidationOptions?.find((o) => o.ResourceRecord) ?? certificate.DomainValidationOptions?.[0];
    const record = option?.ResourceRecord;
    return {
      arn,
      domain: certificate.DomainName ?? "",
      status: certificate.Status ?? "UNKNOWN",
      failureReason: certificate.FailureReason,
      validationRecord: record?.Name && record.Value ? { name: record.Name, value: record.Value } : undefined,
      inUseBy: certificate.InUseBy ?? [],
    };
  }

  /** Throws ResourceInUseException (see isCertificateInUse) while a load balancer still uses it. */
  async delete(arn: string): Promise<void> {
    await this.send(new DeleteCertificateCommand({ CertificateArn: arn }));
  }
}
