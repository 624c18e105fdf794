/** Where a template body comes from (TemplateBody, TemplateURL, the previous template) and its parsing, with the API's errors. */
import type { CreateChangeSetCommandInput } from "@aws-sdk/client-cloudformation";
import { validationError } from "./cloudformation.js";
import type { StackRecord } from "./stack-state.js";
import { bindParameters, parseTemplate, TemplateProblem, type ParsedTemplate } from "./template.js";

export const TEMPLATE_BODY_LIMIT = 51_200;
export const TEMPLATE_URL_LIMIT = 1_000_000;
const NAME_PATTERN = /^[a-zA-Z][-a-zA-Z0-9]*$/;

/** Reads an object's text out of the fake S3. */
export type ObjectReader = (bucket: string, key: string) => string | undefined;

export interface TemplateSource {
  TemplateBody?: string | undefined;
  TemplateURL?: string | undefined;
  UsePreviousTemplate?: boolean | undefined;
}

export function templateBodyOf(input: TemplateSource, readObject: ObjectReader, stack?: StackRecord): string {
  if (input.TemplateBody !== undefined) {
    if (Buffer.byteLength(input.TemplateBody, "utf8") > TEMPLATE_BODY_LIMIT) {
      throw validationError(
        `1 validation error detected: Value '${input.TemplateBody.slice(0, 40)}...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${TEMPLATE_BODY_LIMIT}`,
      );
    }
    return input.TemplateBody;
  }
  if (input.TemplateURL !== undefined) {
    const location = parseS3Url(input.TemplateURL);
    if (!location) throw validationError("TemplateURL must be a supported URL.");
    const body = readObject(location.bucket, location.key);
    if (body === undefined) throw validationError("TemplateURL must reference a valid S3 object to which you have access.");
    if (Buffer.byteLength(body, "utf8") > TEMPLATE_URL_LIMIT) throw validationError(`Template may not exceed ${TEMPLATE_URL_LIMIT} bytes in size.`);
    return body;
  }
  if (input.UsePreviousTemplate && stack) return stack.templateBody;
  throw validationError("Either Template URL or Template Body must be specified.");
}

export function parsed(body: string): ParsedTemplate {
  try {
    return parseTemplate(body);
  } catch (error) {
    throw error instanceof TemplateProblem ? validationError(error.message) : error;
  }
}

export function bound(template: ParsedTemplate, input: CreateChangeSetCommandInput, previous?: Record<string, string>): Record<string, string> {
  try {
    return bindParameters(template, input.Parameters, previous);
  } catch (error) {
    throw error instanceof TemplateProblem ? validationError(error.message) : error;
  }
}

export function checkName(value: string | undefined, member: string): void {
  if (!value || value.length > 128 || !NAME_PATTERN.test(value)) {
    throw validationError(
      `1 validation error detected: Value '${value ?? ""}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
  }
}

/** The S3 URL forms CloudFormation accepts for TemplateURL. */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return undefined;
  }
  if (parsedUrl.protocol !== "https:" && parsedUrl.protocol !== "http:") return undefined;
  const host = parsedUrl.hostname;
  const path = decodeURIComponent(parsedUrl.pathname.replace(/^\//, ""));
  const virtualHosted = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.exec(host);
  if (virtualHosted) return { bucket: virtualHosted[1]!, key: path };
  if (/^s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.test(host)) {
    const slash = path.indexOf("/");
    return slash > 0 ? { bucket: path.slice(0, slash), key: path.slice(slash + 1) } : undefined;
  }
  return undefined;
}

