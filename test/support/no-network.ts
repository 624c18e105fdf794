/**
 * Every test runs with fake credentials and a fixed region, and with the instance metadata
 * service disabled, so nothing can reach a real AWS account. Any SDK call that no mock
 * answers fails loudly (see fake cloud's `onAnyCommand` default).
 */
process.env.AWS_ACCESS_KEY_ID = "AKIAFAKEFAKEFAKEFAKE";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests-only";
process.env.AWS_SESSION_TOKEN = "fake-session";
process.env.AWS_REGION = "us-east-2";
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
delete process.env.AWS_PROFILE;
// Any HTTP request that slips past the mocks goes to an address that refuses at once.
process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
