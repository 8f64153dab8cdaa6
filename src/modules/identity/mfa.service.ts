import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { verifyPassword } from './passwords.js';
import { type UserRow, users } from './schema.js';
import { hashToken } from './secrets.js';

const PERIOD_SECONDS = 30;
const RECOVERY_CODE_COUNT = 10;

function totpFor(user: UserRow, secret: string): TOTP {
  return new TOTP({
    issuer: 'Çarşı',
    label: user.email,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The time step a valid code belongs to (±1 step of clock drift), or null when it is not valid. */
function matchingStep(user: UserRow, secret: string, code: string): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(user, secret).validate({ token: code, window: 1 });
  if (delta === null) return null;
  return TOTP.counter({ period: PERIOD_SECONDS }) + delta;
}

function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomBytes(8).toString('hex').slice(0, 10);
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

export interface MfaSetup {
  secret: string;
  otpauthUrl: string;
}

/** Starts (or restarts) setting up an authenticator app; takes effect only once enabled with a code. */
export async function setupMfa(tx: Tx, user: UserRow): Promise<MfaSetup> {
  if (user.mfaEnabledAt)
    throw new AppError('auth.mfa_already_enabled', 409, 'Two-factor authentication is already on.');
  const secret = new Secret({ size: 20 }).base32;
  await tx.db.update(users).set({ mfaSecret: secret, updatedAt: new Date() }).where(eq(users.id, user.id));
  return { secret, otpauthUrl: totpFor(user, secret).toString() };
}

/** Turns two-factor authentication on with a first valid code; returns the recovery codes, shown once. */
export async function enableMfa(tx: Tx, user: UserRow, code: string): Promise<string[]> {
  if (user.mfaEnabledAt)
    throw new AppError('auth.mfa_already_enabled', 409, 'Two-factor authentication is already on.');
  if (!user.mfaSecret) throw new AppError('auth.mfa_not_set_up', 409, 'Start with POST /me/2fa/setup.');
  const step = matchingStep(user, user.mfaSecret, code);
  if (step === null)
    throw new AppError('auth.invalid_mfa_code', 400, 'The code is incorrect.', { field: 'code' });
  const codes = newRecoveryCodes();
  await tx.db
    .update(users)
    .set({
      mfaEnabledAt: new Date(),
      mfaLastStep: step,
      mfaRecoveryHashes: codes.map((c) => hashToken(normaliseRecoveryCode(c))),
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  await audit(tx, { action: 'auth.mfa_enabled', entityType: 'user', entityId: user.id });
  return codes;
}

/** Turns two-factor authentication off, after a current code, a recovery code or the password. */
export async function disableMfa(
  tx: Tx,
  user: UserRow,
  proof: { code?: string; password?: string },
): Promise<void> {
  if (!user.mfaEnabledAt)
    throw new AppError('auth.mfa_not_enabled', 409, 'Two-factor authentication is off.');
  const proven =
    (proof.code !== undefined && (await verifySecondFactor(tx, user, proof.code))) ||
    (proof.password !== undefined && (await verifyPassword(user.passwordHash, proof.password)));
  if (!proven) throw new AppError('auth.confirmation_failed', 403, 'The code or password is incorrect.');
  await tx.db
    .update(users)
    .set({
      mfaSecret: null,
      mfaEnabledAt: null,
      mfaLastStep: null,
      mfaRecoveryHashes: [],
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  await audit(tx, { action: 'auth.mfa_disabled', entityType: 'user', entityId: user.id });
}

/**
 * Accepts a TOTP code of the current step (±1) not used before, or an unused recovery code (which is
 * then spent). Both updates are conditional, so the same code cannot be accepted twice even by
 * concurrent requests.
 */
export async function verifySecondFactor(tx: Tx, user: UserRow, code: string): Promise<boolean> {
  if (!user.mfaEnabledAt || !user.mfaSecret || code.length > 64) return false;
  const step = matchingStep(user, user.mfaSecret, code.trim());
  if (step !== null) {
    const { rowCount } = await tx.client.query(
      'UPDATE users SET mfa_last_step = $1 WHERE id = $2 AND (mfa_last_step IS NULL OR mfa_last_step < $1)',
      [step, user.id],
    );
    return rowCount === 1;
  }
  const hash = hashToken(normaliseRecoveryCode(code));
  const { rowCount } = await tx.client.query(
    'UPDATE users SET mfa_recovery_hashes = array_remove(mfa_recovery_hashes, $1) WHERE id = $2 AND $1 = ANY(mfa_recovery_hashes)',
    [hash, user.id],
  );
  if (rowCount === 1) {
    await audit(tx, { action: 'auth.recovery_code_used', entityType: 'user', entityId: user.id });
    return true;
  }
  return false;
}
