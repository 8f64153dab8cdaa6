/** What a secret is replaced with in the stored copy of a message. */
export const REDACTED = '[redacted]';

/**
 * Blanks every secret value out of `text`, as it is and URL-encoded (a token inside a link). Values
 * shorter than 6 characters are not secrets worth the name and would blank unrelated text.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length < 6) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      result = result.split(form).join(REDACTED);
  }
  return result;
}

/** The same for every string inside a JSON value (keys are left as they are). */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, secrets)]));
  }
  return value;
}
