import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantIdColumn, tenantIsolation } from '../../db/tenant-policy.js';

/** Every domain event emitted, recorded in the transaction that caused it. */
export const domainEvents = pgTable(
  'domain_events',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    requestId: text('request_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('domain_events_tenant_type_idx').on(t.tenantId, t.type, t.occurredAt.desc()),
    tenantIsolation(),
  ],
);
