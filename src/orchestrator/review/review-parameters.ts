/**
 * Parameter changes in plain words: before → after for each parameter a deploy passes differently. The image
 * gets its repository, tag and digest: the deployed ImageUri holds only `repo@sha256:…` (the tag it was
 * pushed as is not recorded anywhere the stack keeps), the new one's tag is the one preflight resolved.
 */
import { shorten } from "./review-show.js";

export interface ParameterChange {
  readonly name: string;
  readonly before: string;
  readonly after: string;
}

/** `…/alert-engine-prod@sha256:ab12…`: the repository and the digest, or undefined for anything else. */
function imageParts(uri: string): { repository: string; digest: string } | undefined {
  const m = /^(?:[^/]+\/)?(.+)@sha256:([0-9a-f]+)$/.exec(uri);
  return m ? { repository: m[1]!, digest: m[2]! } : undefined;
}

const shortDigest = (digest: string) => `sha256:${digest.slice(0, 12)}…`;

/** `alert-engine-prod:v2 (sha256:cd34…)`, or without a tag when none is known. */
export function describeImage(uri: string, tag?: string): string {
  const parts = imageParts(uri);
  if (!parts) return shorten(uri);
  return `${parts.repository}${tag ? `:${tag}` : ""} (${shortDigest(parts.digest)})`;
}

export function parameterChanges(
  deployed: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
  image?: { readonly tag: string },
): ParameterChange[] {
  const names = [...new Set([...Object.keys(deployed), ...Object.keys(desired)])].sort();
  return names
    .filter((name) => deployed[name] !== desired[name])
    .map((name) => {
      const [before, after] = [deployed[name], desired[name]];
      if (name === "ImageUri" && before !== undefined && after !== undefined) {
        return { name, before: describeImage(before), after: describeImage(after, image?.tag) };
      }
      return { name, before: before === undefined ? "absent" : shorten(before), after: after === undefined ? "absent" : shorten(after) };
    });
}
