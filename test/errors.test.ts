import { describe, expect, it } from "vitest";
import { isTransient, withRetry } from "../src/aws/retry.js";
import { describeError } from "../src/render/errors.js";

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400, requestId: "req-1" } });
const networkError = (code: string) => Object.assign(new Error(`getaddrinfo ${code} sts.us-east-2.amazonaws.com`), { code, hostname: "sts.us-east-2.amazonaws.com" });

describe("errors a person can act on", () => {
  it("says which host could not be reached and what to check", () => {
    expect(describeError(networkError("ENOTFOUND"))).toBe(
      "cannot reach sts.us-east-2.amazonaws.com: the host name does not resolve (ENOTFOUND). Check the network, the region (--region) and --endpoint-url if you use one.",
    );
  });

  it("quotes AWS with the request id and a hint for permission and credential problems", () => {
    const text = describeError(awsError("AccessDenied", "User: arn:aws:iam::1:user/ci is not authorized to perform: cloudformation:CreateChangeSet"));
    expect(text).toMatch(/^AWS said AccessDenied: User: .* \[request req-1\]\n  the credentials lack a permission/);
    expect(describeError(awsError("ExpiredToken", "The security token included in the request is expired"))).toMatch(/refresh them/);
  });
});

describe("retries", () => {
  it("retries throttling, 5xx and dropped connections, but not answers or a host that does not resolve", () => {
    expect(isTransient(awsError("ThrottlingException", "Rate exceeded"))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isTransient(networkError("ECONNRESET"))).toBe(true);
    expect(isTransient(networkError("ENOTFOUND"))).toBe(false);
    expect(isTransient(awsError("ValidationError", "Stack with id x does not exist"))).toBe(false);
    expect(isTransient(awsError("AccessDenied", "no"))).toBe(false);
    // A signature refused for clock skew is worth another try only once the SDK has corrected its offset.
    expect(isTransient(awsError("SignatureDoesNotMatch", "Signature expired"))).toBe(false);
    expect(isTransient(Object.assign(awsError("SignatureDoesNotMatch", "Signature expired"), { $metadata: { httpStatusCode: 403, clockSkewCorrected: true } }))).toBe(true);
  });

  it("gives up after the bounded number of tries and surfaces the last error", async () => {
    let attempts = 0;
    const call = () => {
      attempts++;
      return Promise.reject(awsError("ThrottlingException", "Rate exceeded"));
    };
    await expect(withRetry(call, { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 })).rejects.toThrow("Rate exceeded");
    expect(attempts).toBe(4);
  });

  it("stops retrying once the run is interrupted, but still makes a call's first attempt", async () => {
    const controller = new AbortController();
    let attempts = 0;
    const throttled = () => {
      attempts++;
      controller.abort(); // Ctrl-C arrives while the call is failing
      return Promise.reject(awsError("ThrottlingException", "Rate exceeded"));
    };
    const policy = { retries: 8, minTimeoutMs: 1, maxTimeoutMs: 2, stopRetryingOn: controller.signal };
    await expect(withRetry(throttled, policy)).rejects.toThrow("Rate exceeded");
    expect(attempts).toBe(1);
    // After the abort, cleanup calls still go out once.
    await expect(withRetry(async () => "deleted", policy)).resolves.toBe("deleted");
  });
});
