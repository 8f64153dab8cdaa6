import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { emit } from '../../kernel/events/emit.js';
import { type OutboundMessageRow, outboundMessages } from './schema.js';

export interface EmailMessage {
  to: string;
  subject: string;
  body: string;
  template: string;
  data?: Record<string, unknown>;
}

export const MESSAGE_QUEUED = 'notification.queued';

/**
 * Writes the message into the outbox in the caller's transaction and asks for its delivery, so a
 * message exists exactly when the change that caused it does. The event carries only the id: secrets
 * in a message (reset links) stay in the outbox row.
 */
export async function queueEmail(tx: Tx, message: EmailMessage): Promise<string> {
  const id = uuidv7();
  const platform = tx.ctx.tenantId === null;
  await tx.db.insert(outboundMessages).values({
    tenantId: tx.ctx.tenantId,
    id,
    channel: 'email',
    recipient: message.to,
    subject: message.subject,
    body: message.body,
    template: message.template,
    data: message.data ?? {},
    // Platform messages (no tenant) have no event stream; with no mail transport they are kept at once.
    ...(platform ? { status: 'stored' as const, deliveredAt: new Date() } : {}),
  });
  if (!platform) await emit(tx, MESSAGE_QUEUED, { messageId: id });
  return id;
}

/**
 * Delivery without a mail server: the message is kept for staff to read. (An SMTP transport replaces
 * this step when the notifications module gains one.)
 */
export async function markStored(tx: Tx, messageId: string): Promise<void> {
  await tx.db
    .update(outboundMessages)
    .set({ status: 'stored', deliveredAt: new Date() })
    .where(and(eq(outboundMessages.id, messageId), eq(outboundMessages.status, 'queued')));
}

export interface MessageListQuery {
  limit: number;
  /** Id of the last message of the previous page (newest first). */
  after?: string | undefined;
  recipient?: string | undefined;
  template?: string | undefined;
}

/** Newest first; one row more than the limit, so the caller knows whether a next page exists. */
export async function listMessages(tx: Tx, query: MessageListQuery): Promise<OutboundMessageRow[]> {
  const filters: SQL[] = [];
  if (query.after) filters.push(lt(outboundMessages.id, query.after));
  if (query.recipient) filters.push(eq(outboundMessages.recipient, query.recipient));
  if (query.template) filters.push(eq(outboundMessages.template, query.template));
  return tx.db
    .select()
    .from(outboundMessages)
    .where(filters.length > 0 ? and(...filters) : undefined)
    .orderBy(desc(outboundMessages.id))
    .limit(query.limit + 1);
}
