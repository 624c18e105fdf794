/** STS in the engine's own words: who the credentials belong to. */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { RetryingApi } from "./retry.js";

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

/** The credential chain found nothing (no env vars, profile, SSO cache, container or instance role). */
export const isMissingCredentials = (error: unknown): boolean => {
  const e = error as { name?: string; message?: string };
  return e?.name === "CredentialsProviderError" || /could not load credentials/i.test(e?.message ?? "");
};

/** Credentials were found but AWS refuses them: expired session, revoked key, stale SSO token. */
export const isRejectedCredentials = (error: unknown): boolean => {
  const e = error as { name?: string; message?: string };
  return (
    ["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "TokenProviderError"].includes(
      e?.name ?? "",
    ) || /sso session .* expired|token .* expired|refresh failed/i.test(e?.message ?? "")
  );
};

export class StsApi extends RetryingApi<STSClient> {
  async callerIdentity(): Promise<CallerIdentity> {
    const result = await this.call(() => this.client.send(new GetCallerIdentityCommand({})));
    return { account: result.Account ?? "", arn: result.Arn ?? "", userId: result.UserId ?? "" };
  }
}
