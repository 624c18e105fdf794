/** An unexpected error turned into what a person can act on: what AWS or the network said, and what to try. */

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

const NETWORK_CODES: Record<string, string> = {
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "DNS lookup failed",
  ECONNREFUSED: "the connection was refused",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the connection was reset",
};

const AWS_HINTS: [RegExp, string][] = [
  [/AccessDenied|UnauthorizedOperation|AuthorizationError/, "the credentials lack a permission this step needs: grant it to the deploying role, or use --profile for one that has it"],
  [/ExpiredToken|TokenRefreshRequired|InvalidClientTokenId|UnrecognizedClient/, "the credentials expired or are not valid: refresh them ('aws sso login' or new keys) and rerun"],
  [/Throttling|TooManyRequests|RequestLimitExceeded/, "AWS kept throttling after every retry: wait a minute and rerun; the deploy converges"],
];

export function describeError(error: unknown): string {
  const e = (error ?? {}) as ErrorLike;
  const message = e.message ?? String(error);
  const network = e.code ? NETWORK_CODES[e.code] : undefined;
  if (network) {
    return `cannot reach ${e.hostname ?? "AWS"}: ${network} (${e.code}). Check the network, the region (--region) and --endpoint-url if you use one.`;
  }
  if (e.$metadata) {
    const hint = AWS_HINTS.find(([pattern]) => pattern.test(e.name ?? ""))?.[1];
    const request = e.$metadata.requestId ? ` [request ${e.$metadata.requestId}]` : "";
    return `AWS said ${e.name ?? "Error"}: ${message}${request}${hint ? `\n  ${hint}` : ""}`;
  }
  return message;
}
