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

function signature(secret: string, payload: Buffer): Buffer {
  return createHmac('sha256', signingKey(secret)).update(payload).digest().subarray(0, SIGNATURE_BYTES);
}

const VARIANT_CODES: readonly (VariantName | null)[] = [null, ...VARIANT_NAMES];
const SIGNATURE_BYTES = 16;
const PAYLOAD_BYTES = 16 + 16 + 1 + 4;

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * base64url of tenant id, file id, rendition and expiry (unix seconds), followed by an HMAC-SHA256 of
 * them truncated to 128 bits: 71 characters, short enough for a path segment. The tenant travels in
 * the token because the link is followed without credentials and row-level security needs it.
 */
export function signFileToken(secret: string, target: SignedTarget, expiresAt: Date): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  uuidBytes(target.tenantId).copy(payload, 0);
  uuidBytes(target.fileId).copy(payload, 16);
  payload.writeUInt8(VARIANT_CODES.indexOf(target.variant), 32);
  payload.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), 33);
  return Buffer.concat([payload, signature(secret, payload)]).toString('base64url');
}

const TOKEN = /^[\w-]{71}$/;

/** Checks the signature first, so an expired answer is only ever given for a genuine link. */
export function verifyFileToken(secret: string, token: string, now = new Date()): TokenCheck {
  if (!TOKEN.test(token)) return { ok: false, reason: 'invalid' };
  const bytes = Buffer.from(token, 'base64url');
  // Re-encoding must give the token back: no second spelling of the same bytes is accepted.
  if (bytes.length !== PAYLOAD_BYTES + SIGNATURE_BYTES || bytes.toString('base64url') !== token) {
    return { ok: false, reason: 'invalid' };
  }
  const payload = bytes.subarray(0, PAYLOAD_BYTES);
  const given = bytes.subarray(PAYLOAD_BYTES);
  if (!timingSafeEqual(given, signature(secret, payload))) return { ok: false, reason: 'invalid' };
  const variant = VARIANT_CODES[payload.readUInt8(32)];
  if (variant === undefined) return { ok: false, reason: 'invalid' };
  const expiresAt = new Date(payload.readUInt32BE(33) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    token: {
      tenantId: uuidOf(payload.subarray(0, 16)),
      fileId: uuidOf(payload.subarray(16, 32)),
      variant,
      expiresAt,
    },
  };
}
