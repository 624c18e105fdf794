/** STS in the engine's own words: who the credentials belong to. */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { hasErrorName, RetryingApi } from "./retry.js";

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

/** The credential chain found nothing (no env vars, profile, SSO cache, container or instance role). */
export const isMissingCredentials = (error: unknown): boolean =>
  hasErrorName(error, "CredentialsProviderError") || /could not load credentials/i.test((error as Error)?.message ?? "");

/** Credentials were found but AWS refuses them: expired session, revoked key, stale SSO token. */
export const isRejectedCredentials = (error: unknown): boolean =>
  hasErrorName(error, "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "TokenProviderError") ||
  /sso session .* expired|token .* expired|refresh failed/i.test((error as Error)?.message ?? "");

export class StsApi extends RetryingApi<STSClient> {
  async callerIdentity(): Promise<CallerIdentity> {
    const result = await this.send(new GetCallerIdentityCommand({}));
    return { account: result.Account ?? "", arn: result.Arn ?? "" };
  }
}
