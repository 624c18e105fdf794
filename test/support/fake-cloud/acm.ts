/**
 * ACM certificates validated through DNS. The validation record shows up a little after the
 * request (as in ACM), and the certificate is issued once that CNAME has been in sync in the
 * fake Route 53 for `certificateValidationMs`. Certificates live in the region of the client.
 */
import {
  ResourceInUseException,
  ResourceNotFoundException,
  type AddTagsToCertificateCommandOutput,
  type CertificateStatus,
  type DeleteCertificateCommandOutput,
  type DescribeCertificateCommandOutput,
  type DomainValidation,
  type FailureReason,
  type KeyAlgorithm,
  type ListCertificatesCommandInput,
  type ListCertificatesCommandOutput,
  type ListTagsForCertificateCommandOutput,
  type RemoveTagsFromCertificateCommandOutput,
  type RequestCertificateCommandInput,
  type RequestCertificateCommandOutput,
  type Tag,
} from "@aws-sdk/client-acm";
import { awsError } from "./errors.js";
import { hashOf } from "./ids.js";
import type { FakeRoute53 } from "./route53.js";
import { page, type CallContext, type Handlers, type Out, type World } from "./world.js";

/** ACM gives up on a certificate that has not validated within 72 hours. */
export const VALIDATION_TIMEOUT_MS = 72 * 3600 * 1000;

export interface Certificate {
  arn: string;
  region: string;
  domainName: string;
  subjectAlternativeNames: string[];
  validationMethod: "DNS" | "EMAIL";
  keyAlgorithm: KeyAlgorithm;
  status: CertificateStatus;
  requestedAt: number;
  recordsVisibleAt: number;
  issuedAt?: number | undefined;
  failureReason?: string | undefined;
  tags: Tag[];
  idempotencyToken?: string | undefined;
  inUseBy: string[];
}

/** The CNAME ACM asks for. Like ACM, it depends only on the account and the base domain, so `*.x` and `x` share it. */
export function validationRecord(account: string, domain: string): { Name: string; Type: "CNAME"; Value: string } {
  const base = domain.replace(/^\*\./, "").toLowerCase();
  return { Name: `_${hashOf("acm-name", account, base).slice(0, 32)}.${base}.`, Type: "CNAME", Value: `_${hashOf("acm-value", account, base).slice(0, 32)}.acm-validations.aws.` };
}

/** Like ACM, ListCertificates shows only these key types unless `Includes.keyTypes` asks for others. */
const DEFAULT_LISTED_KEY_TYPES: readonly string[] = ["RSA_1024", "RSA_2048"];

export class FakeAcm {
  readonly certificates: Certificate[] = [];
  validationDisabled = false;

  constructor(
    private readonly world: World,
    private readonly route53: FakeRoute53,
  ) {}

  find(arn: string | undefined, region?: string): Certificate | undefined {
    const cert = this.certificates.find((c) => c.arn === arn && (region === undefined || c.region === region));
    if (cert) this.refresh(cert);
    return cert;
  }

  mustFind(arn: string | undefined, region?: string): Certificate {
    const cert = this.find(arn, region);
    if (!cert) throw awsError(ResourceNotFoundException, "ResourceNotFoundException", `Could not find certificate ${arn}.`);
    return cert;
  }

  fail(arn: string, reason: string): void {
    const cert = this.mustFind(arn);
    cert.status = "FAILED";
    cert.failureReason = reason;
  }

  private refresh(cert: Certificate): void {
    if (cert.status !== "PENDING_VALIDATION") return;
    const now = this.world.clock.now();
    if (!this.validationDisabled && cert.validationMethod === "DNS" && now >= cert.recordsVisibleAt) {
      const readyTimes = this.domains(cert).map((domain) => {
        const record = validationRecord(this.world.account, domain);
        const since = this.route53.cnameInsyncSince(record.Name, record.Value);
        return since === undefined ? Number.POSITIVE_INFINITY : Math.max(since, cert.recordsVisibleAt) + this.world.timing.certificateValidationMs;
      });
      const issuedAt = Math.max(...readyTimes);
      if (issuedAt <= now) {
        cert.status = "ISSUED";
        cert.issuedAt = issuedAt;
        return;
      }
    }
    if (now >= cert.requestedAt + VALIDATION_TIMEOUT_MS) cert.status = "VALIDATION_TIMED_OUT";
  }

  private domains(cert: Certificate): string[] {
    return [...new Set([cert.domainName, ...cert.subjectAlternativeNames])];
  }

  private validationOptions(cert: Certificate): DomainValidation[] {
    const visible = this.world.clock.now() >= cert.recordsVisibleAt;
    const status = cert.status === "ISSUED" ? "SUCCESS" : cert.status === "PENDING_VALIDATION" ? "PENDING_VALIDATION" : "FAILED";
    return this.domains(cert).map((domain) => ({
      DomainName: domain,
      ValidationDomain: domain,
      ValidationStatus: status,
      ValidationMethod: cert.validationMethod,
      // ACM takes a few seconds before it shows the record to create.
      ...(visible && cert.validationMethod === "DNS" ? { ResourceRecord: validationRecord(this.world.account, domain) } : {}),
    }));
  }

  handlers(): Handlers {
    const acm = this;
    const world = this.world;
    return {
      RequestCertificate(input: RequestCertificateCommandInput, context: CallContext): Out<RequestCertificateCommandOutput> {
        const now = world.clock.now();
        const same = acm.certificates.find(
          (c) => input.IdempotencyToken !== undefined && c.idempotencyToken === input.IdempotencyToken && c.domainName === input.DomainName && c.region === context.region && now - c.requestedAt < 3600_000,
        );
        if (same) return { CertificateArn: same.arn };
        const cert: Certificate = {
          arn: `arn:aws:acm:${context.region}:${world.account}:certificate/${world.ids.uuid("certificate")}`,
          region: context.region,
          domainName: input.DomainName ?? "",
          subjectAlternativeNames: [input.DomainName ?? "", ...(input.SubjectAlternativeNames ?? [])].filter((d, i, all) => all.indexOf(d) === i),
          validationMethod: input.ValidationMethod === "DNS" ? "DNS" : "EMAIL",
          keyAlgorithm: input.KeyAlgorithm ?? "RSA_2048",
          status: "PENDING_VALIDATION",
          requestedAt: now,
          recordsVisibleAt: now + world.timing.certificateRecordMs,
          tags: [...(input.Tags ?? [])],
          idempotencyToken: input.IdempotencyToken,
          inUseBy: [],
        };
        acm.certificates.push(cert);
        return { CertificateArn: cert.arn };
      },
      DescribeCertificate(input: { CertificateArn?: string }, context: CallContext): Out<DescribeCertificateCommandOutput> {
        const cert = acm.mustFind(input.CertificateArn, context.region);
        return {
          Certificate: {
            CertificateArn: cert.arn,
            DomainName: cert.domainName,
            SubjectAlternativeNames: [...cert.subjectAlternativeNames],
            DomainValidationOptions: acm.validationOptions(cert),
            Subject: `CN=${cert.domainName}`,
            Issuer: "Amazon",
            CreatedAt: new Date(cert.requestedAt),
            ...(cert.issuedAt !== undefined ? { IssuedAt: new Date(cert.issuedAt), NotBefore: new Date(cert.issuedAt), NotAfter: new Date(cert.issuedAt + 395 * 86400_000) } : {}),
            Status: cert.status,
            ...(cert.failureReason !== undefined ? { FailureReason: cert.failureReason as FailureReason } : {}),
            KeyAlgorithm: cert.keyAlgorithm,
            SignatureAlgorithm: cert.keyAlgorithm.startsWith("EC") ? "SHA256WITHECDSA" : "SHA256WITHRSA",
            InUseBy: [...cert.inUseBy],
            Type: "AMAZON_ISSUED" as const,
            RenewalEligibility: cert.inUseBy.length > 0 ? ("ELIGIBLE" as const) : ("INELIGIBLE" as const),
            Options: { CertificateTransparencyLoggingPreference: "ENABLED" as const },
          },
        };
      },
      ListCertificates(input: ListCertificatesCommandInput, context: CallContext): Out<ListCertificatesCommandOutput> {
        const mine = acm.certificates.filter((c) => c.region === context.region);
        for (const cert of mine) acm.refresh(cert);
        const keyTypes: readonly string[] = input.Includes?.keyTypes ?? DEFAULT_LISTED_KEY_TYPES;
        const matching = mine.filter((c) => (!input.CertificateStatuses?.length || input.CertificateStatuses.includes(c.status)) && keyTypes.includes(c.keyAlgorithm));
        const { items, next } = page(matching, input.NextToken, input.MaxItems ?? 1000);
        return {
          CertificateSummaryList: items.map((c) => ({
            CertificateArn: c.arn,
            DomainName: c.domainName,
            SubjectAlternativeNameSummaries: [...c.subjectAlternativeNames],
            HasAdditionalSubjectAlternativeNames: false,
            Status: c.status,
            Type: "AMAZON_ISSUED" as const,
            KeyAlgorithm: c.keyAlgorithm,
            InUse: c.inUseBy.length > 0,
            RenewalEligibility: "INELIGIBLE" as const,
            CreatedAt: new Date(c.requestedAt),
            ...(c.issuedAt !== undefined ? { IssuedAt: new Date(c.issuedAt) } : {}),
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },
      ListTagsForCertificate(input: { CertificateArn?: string }, context: CallContext): Out<ListTagsForCertificateCommandOutput> {
        return { Tags: [...acm.mustFind(input.CertificateArn, context.region).tags] };
      },
      AddTagsToCertificate(input: { CertificateArn?: string; Tags?: Tag[] }, context: CallContext): Out<AddTagsToCertificateCommandOutput> {
        const cert = acm.mustFind(input.CertificateArn, context.region);
        for (const tag of input.Tags ?? []) {
          cert.tags = [...cert.tags.filter((t) => t.Key !== tag.Key), tag];
        }
        return {};
      },
      RemoveTagsFromCertificate(input: { CertificateArn?: string; Tags?: Tag[] }, context: CallContext): Out<RemoveTagsFromCertificateCommandOutput> {
        const cert = acm.mustFind(input.CertificateArn, context.region);
        cert.tags = cert.tags.filter((t) => !(input.Tags ?? []).some((r) => r.Key === t.Key && (r.Value === undefined || r.Value === t.Value)));
        return {};
      },
      DeleteCertificate(input: { CertificateArn?: string }, context: CallContext): Out<DeleteCertificateCommandOutput> {
        const cert = acm.mustFind(input.CertificateArn, context.region);
        if (cert.inUseBy.length > 0) throw awsError(ResourceInUseException, "ResourceInUseException", `Certificate ${cert.arn} in account ${world.account} is in use.`);
        acm.certificates.splice(acm.certificates.indexOf(cert), 1);
        return {};
      },
    };
  }
}
