import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantOrPlatformIsolation } from '../../db/tenant-policy.js';

export const MESSAGE_STATUSES = ['queued', 'stored', 'sent', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * The outbox of messages to people. A message is written in the transaction that caused it and
 * delivered by a job afterwards; with no mail server configured it stays here, readable by staff.
 */
export const outboundMessages = pgTable(
  'outbound_messages',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    channel: text('channel').notNull().default('email'),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    /**
     * Which message this is (`identity.verify_email`, …) and its variables. `body` and `data` are kept
     * with the message's secrets (tokens in links, codes) blanked out when it is written.
     */
    template: text('template').notNull(),
    data: jsonb('data').notNull().default({}),
    /** The message as it must be delivered, secrets included, sealed (kernel/crypto/sealed.ts). */
    sealed: text('sealed'),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull().default('queued'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    check('outbound_messages_status_check', sql`${t.status} IN ('queued', 'stored', 'sent', 'failed')`),
    index('outbound_messages_tenant_created_idx').on(t.tenantId, t.createdAt.desc()),
    tenantOrPlatformIsolation(),
  ],
);
export type OutboundMessageRow = typeof outboundMessages.$inferSelect;
