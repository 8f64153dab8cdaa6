import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hash, verify } from '@node-rs/argon2';
import { emailKey } from './email.js';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

// OWASP's recommended argon2id settings (19 MiB, 2 passes, 1 lane).
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// Resolved from the package root, so the same path works from src/ and from the compiled dist/.
const COMMON_PASSWORDS_FILE = fileURLToPath(
  new URL('../../../src/modules/identity/data/common-passwords.txt', import.meta.url),
);
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line !== ''),
);

/** The rules a password must keep; the README lists them for people. */
export type PasswordRule = 'too_short' | 'too_long' | 'common' | 'contains_email';

/** The rule `password` breaks for the owner of `email`, or null when it may be used. */
export function brokenPasswordRule(password: string, email: string): PasswordRule | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (password.length > MAX_PASSWORD_LENGTH) return 'too_long';
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'common';
  // The part before the @, folded the way email keys are, when it is long enough to mean something.
  const localPart = emailLocalPart(email);
  if (localPart.length >= 3 && emailKey(password).includes(localPart)) return 'contains_email';
  return null;
}

export function emailLocalPart(email: string): string {
  return emailKey(email).split('@')[0] ?? '';
}

const PROBLEMS: Record<PasswordRule, string> = {
  too_short: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
  too_long: `must be at most ${MAX_PASSWORD_LENGTH} characters`,
  common: 'is one of the most common passwords',
  contains_email: 'must not contain your email address',
};

/** Why `password` may not be used by the owner of `email`, or null when it may. */
export function passwordProblem(password: string, email: string): string | null {
  const rule = brokenPasswordRule(password, email);
  return rule ? PROBLEMS[rule] : null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verified against when the account does not exist, so both answers take the same time.
let dummyHash: Promise<string> | undefined;

/** True when `password` matches `passwordHash`; with no hash, spends the same time and says no. */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hash('carsi-timing-equaliser', ARGON2);
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
