import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { FileVariant } from './schema.js';

/** Where signed links to (private) files are served. */
export const SIGNED_FILES_PATH = '/api/v1/files/signed/';

export type VariantName = FileVariant['name'];
const VARIANT_NAMES: readonly VariantName[] = ['thumb', 'medium', 'large'];

export interface SignedTarget {
  tenantId: string;
  fileId: string;
  /** null: the original. */
  variant: VariantName | null;
}

export interface VerifiedToken extends SignedTarget {
  expiresAt: Date;
}

export type TokenCheck = { ok: true; token: VerifiedToken } | { ok: false; reason: 'invalid' | 'expired' };

const keys = new Map<string, Buffer>();

/**
 * The link-signing key is derived from JWT_SECRET (HKDF with its own label) rather than configured
 * apart: every process already shares that secret, and a derived key signs nothing but file links.
 */
function signingKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'carsi', 'files.signed-url.v1', 32));
    keys.set(secret, key);
  }
  return key;
}

function signature(secret: string, payload: string): Buffer {
  return createHmac('sha256', signingKey(secret)).update(payload).digest();
}

/**
 * `<tenant>.<file>.<variant|original>.<expiry, unix seconds>.<HMAC-SHA256>`: the tenant travels in the
 * token because the link is followed without credentials and row-level security needs it.
 */
export function signFileToken(secret: string, target: SignedTarget, expiresAt: Date): string {
  const payload = [
    target.tenantId,
    target.fileId,
    target.variant ?? 'original',
    Math.floor(expiresAt.getTime() / 1000),
  ].join('.');
  return `${payload}.${signature(secret, payload).toString('base64url')}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN = new RegExp(
  `^(${UUID})\\.(${UUID})\\.(original|thumb|medium|large)\\.(\\d{1,12})\\.([\\w-]{43})$`,
);

/** Checks the signature first, so an expired answer is only ever given for a genuine link. */
export function verifyFileToken(secret: string, token: string, now = new Date()): TokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, tenantId, fileId, variant, expiry, given] = match as unknown as string[];
  const payload = token.slice(0, token.lastIndexOf('.'));
  const expected = signature(secret, payload);
  const provided = Buffer.from(given!, 'base64url');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return { ok: false, reason: 'invalid' };
  }
  const expiresAt = new Date(Number(expiry) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    token: {
      tenantId: tenantId!,
      fileId: fileId!,
      variant: VARIANT_NAMES.includes(variant as VariantName) ? (variant as VariantName) : null,
      expiresAt,
    },
  };
}
