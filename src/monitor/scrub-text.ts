/** The longest free text (error message, notice) the monitor stores. */
export const MAX_STORED_TEXT = 300;

const REPLACEMENT = "[redacted]";

/*
 * Error messages from HTTP clients and browsers often quote a request: an Authorization header,
 * a URL with a token in its query, a connection string with a password. The monitor's database
 * is not encrypted, so these shapes are cut out before anything is stored. This is a filter for
 * the obvious cases, not a guarantee; callers should not pass secrets in the first place.
 */
const SECRET_SHAPES: readonly RegExp[] = [
  // "Authorization: Bearer abc", "bearer abc", "Basic abc"
  /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  // password=..., token: "...", api_key=..., secret=...
  /\b([A-Za-z_-]*(?:pass(?:word|wd)?|token|secret|api[_-]?key|apikey|session|cookie|auth|credential|private[_-]?key)[A-Za-z_-]*)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/gi,
  // scheme://user:password@host
  /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi,
  // Well-known key prefixes (OpenAI, GitHub, Slack, AWS access keys, JWTs).
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // Long unbroken hex or base64 runs look like keys or session ids.
  /\b[A-Fa-f0-9]{32,}\b/g,
  /[A-Za-z0-9+/_-]{40,}={0,2}/g,
];

/**
 * Removes obvious secrets from `text` and cuts it to `maxLength` characters (an ellipsis marks
 * the cut). Control characters become spaces so a stored line cannot forge terminal output.
 *
 * @example
 * scrubText("401 for https://api.example.com/?api_key=abc123"); // "401 for https://api.example.com/?api_key=[redacted]"
 */
export function scrubText(text: string, maxLength = MAX_STORED_TEXT): string {
  let clean = text.replace(/\p{Cc}+/gu, " ");
  for (const shape of SECRET_SHAPES) {
    clean = clean.replace(shape, (match, ...groups: unknown[]) => redactMatch(match, groups));
  }
  clean = clean.trim();
  return clean.length <= maxLength ? clean : `${clean.slice(0, maxLength - 1)}…`;
}

function redactMatch(match: string, groups: readonly unknown[]): string {
  const [first, second] = groups;
  // key=value shapes keep the key and the separator so the message stays readable.
  if (typeof first === "string" && typeof second === "string" && /[:=]/.test(second)) {
    return `${first}${second}${REPLACEMENT}`;
  }
  if (typeof first === "string" && first.endsWith("://")) return `${first}${REPLACEMENT}@`;
  if (typeof first === "string" && /^(bearer|basic)$/i.test(first))
    return `${first} ${REPLACEMENT}`;
  return match.length > 0 ? REPLACEMENT : match;
}
