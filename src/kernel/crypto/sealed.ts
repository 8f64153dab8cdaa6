import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) of small values kept in the database that only this server
 * may read back: the full text of a message whose stored copy has its secrets blanked, for instance.
 * The key is derived from a process secret with a label per use, so one use's sealed values cannot be
 * opened as another's. Output: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
const keys = new Map<string, Buffer>();

function keyFor(secret: string, label: string): Buffer {
  const id = `${label}\u0000${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'carsi', label, 32));
    keys.set(id, key);
  }
  return key;
}

export function seal(secret: string, label: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, label), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The plaintext, or null when the value was sealed with another key or label, or altered. */
export function open(secrets: readonly string[], label: string, sealed: string): string | null {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) return null;
  for (const secret of secrets) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, label), Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // Sealed with another secret (an earlier one during a rotation), or altered.
    }
  }
  return null;
}
