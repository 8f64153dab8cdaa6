import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Config } from '../../config.js';
import type { Tx } from '../../db/tx.js';
import { open, seal } from '../../kernel/crypto/sealed.js';
import { emit, enqueue } from '../../kernel/events/emit.js';
import { redactText, redactValue } from './redaction.js';
import { type OutboundMessageRow, outboundMessages } from './schema.js';

export interface EmailMessage {
  to: string;
  subject: string;
  body: string;
  template: string;
  data?: Record<string, unknown>;
  /**
   * Values in the body or data that give power to whoever reads them (tokens in links, one-time
   * codes). They are blanked out of the stored copy at once; only delivery reads them, sealed.
   */
  secrets?: readonly string[];
}

export const MESSAGE_QUEUED = 'notification.queued';
/** Platform messages (no tenant, so no event) are delivered by this task instead. */
export const PLATFORM_DELIVERY_TASK = 'notifications.deliver-platform';
const SEAL_LABEL = 'notifications.message.v1';

/**
 * Writes the message into the outbox in the caller's transaction and asks for its delivery, so a
 * message exists exactly when the change that caused it does. The stored body and data have the
 * message's secrets blanked out, so no reader of the outbox (staff, a data export, a leaked backup
 * without the server's secret) learns them; the whole message is kept sealed for delivery. The event
 * (or for a platform message, the task) carries only the id.
 */
export async function queueEmail(tx: Tx, message: EmailMessage): Promise<string> {
  const id = uuidv7();
  const platform = tx.ctx.tenantId === null;
  const secrets = message.secrets ?? [];
  const data = message.data ?? {};
  // Platform messages have no event stream: without a mail server there is nothing to ask a job for.
  const keptAtOnce = platform && !tx.ctx.runtime.config.mail;
  await tx.db.insert(outboundMessages).values({
    tenantId: tx.ctx.tenantId,
    id,
    channel: 'email',
    recipient: message.to,
    subject: message.subject,
    body: redactText(message.body, secrets),
    template: message.template,
    data: redactValue(data, secrets),
    sealed:
      secrets.length > 0
        ? seal(tx.ctx.runtime.config.jwtSecret, SEAL_LABEL, JSON.stringify({ body: message.body, data }))
        : null,
    ...(keptAtOnce ? { status: 'stored' as const, deliveredAt: new Date() } : {}),
  });
  if (!platform) await emit(tx, MESSAGE_QUEUED, { messageId: id });
  else if (!keptAtOnce)
    await enqueue(tx, PLATFORM_DELIVERY_TASK, { messageId: id, requestId: tx.ctx.requestId });
  return id;
}

/** Delivery without a mail server (SMTP_URL unset): the message is kept for staff to read. */
export async function markStored(tx: Tx, messageId: string): Promise<void> {
  await tx.db
    .update(outboundMessages)
    .set({ status: 'stored', deliveredAt: new Date() })
    .where(and(eq(outboundMessages.id, messageId), eq(outboundMessages.status, 'queued')));
}

/** A message as it must be delivered: its sealed body and data when it has secrets, else the stored ones. */
export function deliverableContent(
  config: Pick<Config, 'jwtSecret' | 'jwtPreviousSecrets'>,
  row: Pick<OutboundMessageRow, 'body' | 'data' | 'sealed'>,
): { body: string; data: unknown } | null {
  if (row.sealed === null) return { body: row.body, data: row.data };
  const opened = open([config.jwtSecret, ...config.jwtPreviousSecrets], SEAL_LABEL, row.sealed);
  return opened === null ? null : (JSON.parse(opened) as { body: string; data: unknown });
}

export interface MessageListQuery {
  limit: number;
  /** Id of the last message of the previous page (newest first). */
  after?: string | undefined;
  recipient?: string | undefined;
  template?: string | undefined;
}

/** What staff see of a message: who, which, when and how it went; never its body or variables. */
const SUMMARY_COLUMNS = {
  id: outboundMessages.id,
  channel: outboundMessages.channel,
  recipient: outboundMessages.recipient,
  subject: outboundMessages.subject,
  template: outboundMessages.template,
  status: outboundMessages.status,
  error: outboundMessages.error,
  createdAt: outboundMessages.createdAt,
  deliveredAt: outboundMessages.deliveredAt,
};
export type MessageSummary = Pick<OutboundMessageRow, keyof typeof SUMMARY_COLUMNS>;

/** Newest first; one row more than the limit, so the caller knows whether a next page exists. */
export async function listMessages(tx: Tx, query: MessageListQuery): Promise<MessageSummary[]> {
  const filters: SQL[] = [];
  if (query.after) filters.push(lt(outboundMessages.id, query.after));
  if (query.recipient) filters.push(eq(outboundMessages.recipient, query.recipient));
  if (query.template) filters.push(eq(outboundMessages.template, query.template));
  return tx.db
    .select(SUMMARY_COLUMNS)
    .from(outboundMessages)
    .where(filters.length > 0 ? and(...filters) : undefined)
    .orderBy(desc(outboundMessages.id))
    .limit(query.limit + 1);
}
