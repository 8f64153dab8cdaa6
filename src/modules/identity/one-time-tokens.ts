import { and, eq, gt, isNull } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { type OneTimePurpose, oneTimeTokens, type UserRow } from './schema.js';
import { hashToken, randomToken } from './secrets.js';

export const TOKEN_LIFETIME_MS: Record<OneTimePurpose, number> = {
  reset_password: 30 * 60 * 1000,
  verify_email: 48 * 60 * 60 * 1000,
  mfa_login: 5 * 60 * 1000,
};

/** A fresh single-use token for `purpose`; earlier unused ones for the same purpose stop working. */
export async function issueOneTimeToken(tx: Tx, user: UserRow, purpose: OneTimePurpose): Promise<string> {
  await tx.db
    .update(oneTimeTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(oneTimeTokens.userId, user.id),
        eq(oneTimeTokens.purpose, purpose),
        isNull(oneTimeTokens.usedAt),
      ),
    );
  const token = randomToken();
  await tx.db.insert(oneTimeTokens).values({
    tenantId: user.tenantId,
    id: uuidv7(),
    userId: user.id,
    purpose,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS[purpose]),
  });
  return token;
}

/** The token row for `token` that can still be used for `purpose`. */
function usable(token: string, purpose: OneTimePurpose) {
  return and(
    eq(oneTimeTokens.tokenHash, hashToken(token)),
    eq(oneTimeTokens.purpose, purpose),
    isNull(oneTimeTokens.usedAt),
    gt(oneTimeTokens.expiresAt, new Date()),
  );
}

/** Marks the token used and returns its user id; undefined when unknown, used, expired or for another purpose. */
export async function consumeOneTimeToken(
  tx: Tx,
  token: string,
  purpose: OneTimePurpose,
): Promise<string | undefined> {
  if (token.length > 200) return undefined;
  const [row] = await tx.db
    .update(oneTimeTokens)
    .set({ usedAt: new Date() })
    .where(usable(token, purpose))
    .returning({ userId: oneTimeTokens.userId });
  return row?.userId;
}

/** Looks at an unexpired, unused token without using it up (the second-factor step may be retried). */
export async function peekOneTimeToken(
  tx: Tx,
  token: string,
  purpose: OneTimePurpose,
): Promise<string | undefined> {
  if (token.length > 200) return undefined;
  const [row] = await tx.db
    .select({ userId: oneTimeTokens.userId })
    .from(oneTimeTokens)
    .where(usable(token, purpose))
    .limit(1);
  return row?.userId;
}
