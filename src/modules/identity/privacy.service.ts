import { and, eq, isNull, or } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { auditLogs } from '../../kernel/audit/schema.js';
import { AppError } from '../../kernel/errors.js';
import { outboundMessages } from '../notifications/index.js';
import { verifySecondFactor } from './mfa.service.js';
import { verifyPassword } from './passwords.js';
import { SUPER_ADMIN_ROLE } from './privileges.js';
import { revokeAccess } from './revocations.js';
import { apiKeys, authSessions, userRoles, users } from './schema.js';
import { revokeUserSessions } from './sessions.service.js';
import { getUser, viewOf } from './users.service.js';

/**
 * Everything held about a user (KVKK / GDPR right of access): the account, its sessions, the API keys
 * it created, the messages sent to it and the audit entries about it or by it.
 */
export async function exportUserData(tx: Tx, userId: string) {
  const user = await getUser(tx, userId);
  const sessions = await tx.db.select().from(authSessions).where(eq(authSessions.userId, userId));
  const keys = tx.ctx.tenantId ? await tx.db.select().from(apiKeys).where(eq(apiKeys.createdBy, userId)) : [];
  const messages = await tx.db
    .select()
    .from(outboundMessages)
    .where(eq(outboundMessages.recipient, user.email));
  const auditEntries = await tx.db
    .select()
    .from(auditLogs)
    .where(or(eq(auditLogs.actorId, userId), eq(auditLogs.entityId, userId)));
  await audit(tx, { action: 'privacy.data_exported', entityType: 'user', entityId: userId });
  return {
    exportedAt: new Date().toISOString(),
    user: { ...(await viewOf(tx, user)), tenantId: user.tenantId, updatedAt: user.updatedAt.toISOString() },
    sessions: sessions.map((s) => ({
      id: s.id,
      ip: s.ip,
      userAgent: s.userAgent,
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: s.lastUsedAt.toISOString(),
      revokedAt: s.revokedAt?.toISOString() ?? null,
    })),
    apiKeysCreated: keys.map((k) => ({ id: k.id, name: k.name, createdAt: k.createdAt.toISOString() })),
    messages: messages.map((m) => ({
      id: m.id,
      subject: m.subject,
      template: m.template,
      status: m.status,
      createdAt: m.createdAt.toISOString(),
    })),
    auditLog: auditEntries.map((a) => ({
      at: a.at.toISOString(),
      action: a.action,
      actorType: a.actorType,
      actorId: a.actorId,
      entityType: a.entityType,
      entityId: a.entityId,
      ip: a.ip,
    })),
  };
}

/** The signed-in user erasing themselves must confirm with the password, and the second factor when on. */
export async function confirmSelfErasure(
  tx: Tx,
  userId: string,
  password: string,
  code?: string,
): Promise<void> {
  const user = await getUser(tx, userId);
  const passwordOk = await verifyPassword(user.passwordHash, password);
  const factorOk = !user.mfaEnabledAt || (code !== undefined && (await verifySecondFactor(tx, user, code)));
  if (!passwordOk || !factorOk) {
    throw new AppError(
      'auth.confirmation_failed',
      403,
      'Confirm with your password (and your two-factor code).',
    );
  }
}

/**
 * KVKK / GDPR erasure: personal data is removed from the account, which stays as a pseudonymous
 * record (`erased-<id>`) so that what the law requires to be kept — invoices, orders, the audit trail —
 * still points somewhere. Sessions end and messages to the person are deleted.
 */
export async function eraseUser(tx: Tx, userId: string): Promise<void> {
  const user = await getUser(tx, userId);
  await assertNotLastSuperAdmin(tx, userId);
  const pseudonym = `erased-${user.id}@erased.invalid`;
  await tx.db
    .update(users)
    .set({
      email: pseudonym,
      emailKey: pseudonym,
      name: 'Silinmiş kullanıcı',
      phone: null,
      locale: null,
      passwordHash: null,
      mfaSecret: null,
      mfaEnabledAt: null,
      mfaLastStep: null,
      mfaRecoveryHashes: [],
      status: 'erased',
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
  await revokeUserSessions(tx, userId, 'erased');
  await revokeAccess(tx, [{ kind: 'user_blocked', subjectId: userId }]);
  // An erased account holds no roles: a custom role it held can then be deleted.
  if (tx.ctx.tenantId) await tx.db.delete(userRoles).where(eq(userRoles.userId, userId));
  await tx.db.update(authSessions).set({ ip: null, userAgent: null }).where(eq(authSessions.userId, userId));
  await tx.db.delete(outboundMessages).where(eq(outboundMessages.recipient, user.email));
  if (tx.ctx.tenantId) {
    await tx.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)));
  }
  await audit(tx, { action: 'privacy.erased', entityType: 'user', entityId: userId });
}

/**
 * A tenant keeps at least one active super_admin: erasing the last would leave nobody able to give
 * the administrative roles (only a super_admin may), and the tenant could not be run without the
 * platform's help.
 */
async function assertNotLastSuperAdmin(tx: Tx, userId: string): Promise<void> {
  if (!tx.ctx.tenantId) return;
  const { rows } = await tx.client.query<{ holds: boolean; others: number }>(
    `SELECT bool_or(ur.user_id = $1) AS holds, count(*) FILTER (WHERE ur.user_id <> $1 AND u.status = 'active')::int AS others
       FROM user_roles ur
       JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id AND r.key = $2
       JOIN users u ON u.id = ur.user_id`,
    [userId, SUPER_ADMIN_ROLE],
  );
  if (rows[0]?.holds && rows[0].others === 0) {
    throw new AppError(
      'users.last_super_admin',
      409,
      'This is the tenant’s last active super_admin: make another super_admin first.',
    );
  }
}
