import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { auditLogs } from './schema.js';

export interface AuditEntry {
  /** What happened, as `<entity>.<verb>`: `tenant.created`, `order.approved`. */
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Writes one audit row in the caller's transaction, so the record exists exactly when the change does.
 * Actor, tenant, IP, user agent and request id come from the transaction's context.
 */
export async function audit(tx: Tx, entry: AuditEntry): Promise<void> {
  const { ctx } = tx;
  await tx.db.insert(auditLogs).values({
    id: uuidv7(),
    tenantId: ctx.tenantId,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
  });
}
