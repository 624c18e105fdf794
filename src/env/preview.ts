/**
 * Values quoted back in messages, and how big a parsed config really is. A config comes from a file anyone
 * can edit: a message must never serialize a whole value (a 1 KB YAML alias bomb stands for billions of
 * strings), so it quotes a bounded preview, and a config that expands past any sane size is refused first.
 */

// Long enough for any real value (an ARN, a domain name near ACM's 64-character limit), short enough for a message.
const STRING_PREVIEW = 100;
const LIST_PREVIEW = 3;

/** A value as a message quotes it: short values whole, long ones cut, collections summarized by their top level. */
export function preview(value: unknown): string {
  if (typeof value === "string") return previewString(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, LIST_PREVIEW).map((item) => (item !== null && typeof item === "object" ? "…" : previewString(String(item), 20)));
    const more = value.length > LIST_PREVIEW ? `, … (${value.length} items)` : "";
    return `[${shown.join(", ")}${more}]`;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const shown = keys.slice(0, LIST_PREVIEW).map((key) => `${previewString(key, 20, false)}: …`);
    return `a mapping {${shown.join(", ")}${keys.length > LIST_PREVIEW ? `, … (${keys.length} keys)` : ""}}`;
  }
  return String(value);
}

function previewString(text: string, max = STRING_PREVIEW, quoted = true): string {
  const quote = (s: string) => (quoted ? JSON.stringify(s) : s);
  return text.length <= max ? quote(text) : `${quote(text.slice(0, max)).replace(/"$/, "")}…${quoted ? '"' : ""} (${text.length} characters)`;
}

/**
 * Whether `value`, with every alias expanded, holds more than `limit` values. Counting stops at the limit, so
 * the answer costs at most `limit` steps however the value was built.
 */
export function expandsBeyond(value: unknown, limit: number): boolean {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (++count > limit) return true;
    if (Array.isArray(next)) pending.push(...next.slice(0, limit));
    else if (next !== null && typeof next === "object") pending.push(...Object.values(next).slice(0, limit));
  }
  return false;
}
