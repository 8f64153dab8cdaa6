import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';
import { type AuditLogRow, auditLogs } from './schema.js';

export interface AuditQuery {
  actorId?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  /** Id of the last entry of the previous page (newest first). */
  after?: string | undefined;
}

/** The transaction's tenant's audit entries (row-level security scopes them), newest first. */
export async function listAuditLogs(tx: Tx, query: AuditQuery): Promise<AuditLogRow[]> {
  const filters: SQL[] = [];
  if (query.actorId) filters.push(eq(auditLogs.actorId, query.actorId));
  if (query.action) filters.push(eq(auditLogs.action, query.action));
  if (query.entityType) filters.push(eq(auditLogs.entityType, query.entityType));
  if (query.entityId) filters.push(eq(auditLogs.entityId, query.entityId));
  if (query.from) filters.push(gte(auditLogs.at, new Date(query.from)));
  if (query.to) filters.push(lte(auditLogs.at, new Date(query.to)));
  if (query.after) filters.push(lt(auditLogs.id, query.after));
  return tx.db
    .select()
    .from(auditLogs)
    .where(filters.length > 0 ? and(...filters) : undefined)
    .orderBy(desc(auditLogs.id))
    .limit(query.limit + 1);
}
