import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantOrPlatformIsolation } from '../../db/tenant-policy.js';

/**
 * Append-only change log, range-partitioned by month on `at` (see migrations: the generated
 * CREATE TABLE is declared PARTITION BY RANGE, and `carsi_ensure_audit_partitions` creates months ahead).
 * The application role may insert and read, never update or delete.
 */
export const auditLogs = pgTable(
  'audit_logs',
  {
    id: uuid('id').notNull(),
    tenantId: uuid('tenant_id'),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.at] }),
    index('audit_logs_tenant_at_idx').on(t.tenantId, t.at.desc()),
    index('audit_logs_tenant_entity_idx').on(t.tenantId, t.entityType, t.entityId),
    tenantOrPlatformIsolation(),
  ],
);

export type AuditLogRow = typeof auditLogs.$inferSelect;
