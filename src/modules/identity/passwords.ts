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

/** Why `password` may not be used by the owner of `email`, or null when it may. */
export function passwordProblem(password: string, email: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const folded = emailKey(password);
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'is one of the most common passwords';
  const localPart = emailKey(email).split('@')[0] ?? '';
  if (localPart.length >= 3 && folded.includes(localPart)) return 'must not contain your email address';
  return null;
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
