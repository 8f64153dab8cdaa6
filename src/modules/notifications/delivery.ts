import { and, eq } from 'drizzle-orm';
import { LOCK_KEYS } from '../../db/advisory-lock.js';
import { type Tx, withTx } from '../../db/tx.js';
import { type Runtime, systemContext } from '../../kernel/context.js';
import { isLastAttempt, type JobInfo, type RetryPolicy } from '../../kernel/events/registry.js';
import { MailSendError, mailerFor } from '../../kernel/mail/smtp.js';
import { outboundMessages } from './schema.js';
import { deliverableContent, markStored } from './service.js';

/**
 * Eleven tries over roughly four to eight hours (15 s doubling, with jitter): a mail server down for an
 * afternoon delays messages without losing them. A send is bounded well within the expiry.
 */
export const DELIVERY_RETRY: RetryPolicy = {
  retryLimit: 10,
  retryDelaySeconds: 15,
  retryBackoff: true,
  expireInSeconds: 5 * 60,
};

/** Why a message was given up without being sent, when its sealed copy cannot be opened. */
export const UNSEALABLE =
  'Not sent: its sealed content cannot be opened with JWT_SECRET or JWT_PREVIOUS_SECRETS (the secret ' +
  'it was sealed with has been rotated away).';

export interface DeliveryRequest {
  /** null for platform messages (to platform administrators). */
  tenantId: string | null;
  messageId: string;
  requestId: string | null;
}

/**
 * Delivers one outbox message: kept for staff when no mail server is configured, else sent over SMTP
 * and marked `sent`, its sealed copy (which holds its secrets) dropped. A refused or failed send is
 * recorded in `error` and thrown, so the job is retried; on the job's last attempt, or when the server
 * refuses the message for good, the message ends `failed`.
 *
 * The job may run twice, and two workers may run it at once (a retry after an expiry while the first
 * run is still sending). Only a `queued` message is sent, and only by the holder of a session advisory
 * lock on it: a row lock would have to keep a transaction open while the mail server answers, which no
 * transaction here does. The lock is released when its connection closes, so a worker that dies while
 * sending leaves nothing locked. A crash between the server's acceptance and the `sent` update sends
 * the message again on the retry, as the same message (same Message-ID).
 */
export async function deliverMessage(
  runtime: Runtime,
  request: DeliveryRequest,
  job: JobInfo,
): Promise<void> {
  const ctx = systemContext(runtime, request.tenantId, request.requestId);
  const mailer = mailerFor(runtime.config);
  if (!mailer) {
    await withTx(ctx, (tx) => markStored(tx, request.messageId));
    return;
  }
  const locked = await withMessageLock(runtime, request.messageId, async () => {
    const message = await withTx(ctx, (tx) => findQueued(tx, request.messageId));
    // Sent, failed or kept already (this is a second run), or erased with its recipient's account.
    if (!message) return;
    const content = deliverableContent(runtime.config, message);
    if (!content) {
      runtime.log.warn({ messageId: message.id }, 'outbound message cannot be unsealed; marked failed');
      await withTx(ctx, (tx) => recordFailure(tx, message.id, UNSEALABLE, true));
      return;
    }
    try {
      await mailer.send({
        to: message.recipient,
        subject: message.subject,
        text: content.body,
        id: message.id,
      });
    } catch (error) {
      if (!(error instanceof MailSendError)) throw error;
      const final = error.permanent || isLastAttempt(job);
      await withTx(ctx, (tx) => recordFailure(tx, message.id, error.message, final));
      if (error.permanent) {
        // Retrying cannot change the server's answer: the job ends here, the message says why.
        runtime.log.warn(
          { messageId: message.id, error: error.message },
          'outbound message refused; marked failed',
        );
        return;
      }
      throw error;
    }
    await withTx(ctx, (tx) => markSent(tx, message.id));
  });
  // Another worker is sending it; this run is retried later, and finds it sent (or finishes it).
  if (!locked) throw new Error(`outbound message ${request.messageId} is being delivered by another worker`);
}

function findQueued(tx: Tx, messageId: string) {
  return tx.db
    .select({
      id: outboundMessages.id,
      recipient: outboundMessages.recipient,
      subject: outboundMessages.subject,
      body: outboundMessages.body,
      data: outboundMessages.data,
      sealed: outboundMessages.sealed,
    })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.id, messageId), eq(outboundMessages.status, 'queued')))
    .then((rows) => rows[0]);
}

/** Sent: the secret it carried need not be kept any longer. */
async function markSent(tx: Tx, messageId: string): Promise<void> {
  await tx.db
    .update(outboundMessages)
    .set({ status: 'sent', deliveredAt: new Date(), sealed: null, error: null })
    .where(and(eq(outboundMessages.id, messageId), eq(outboundMessages.status, 'queued')));
}

/** The last failure, which staff see in the outbox; `final`: no more tries, the message is `failed`. */
async function recordFailure(tx: Tx, messageId: string, error: string, final: boolean): Promise<void> {
  await tx.db
    .update(outboundMessages)
    .set(final ? { status: 'failed', error } : { error })
    .where(and(eq(outboundMessages.id, messageId), eq(outboundMessages.status, 'queued')));
}

/**
 * Runs `work` holding the message's session advisory lock, on a connection of its own that sits idle
 * (no transaction) while the mail server is called; false, without running it, when another holds it.
 */
async function withMessageLock(
  runtime: Runtime,
  messageId: string,
  work: () => Promise<void>,
): Promise<boolean> {
  const key = [LOCK_KEYS.outboundMessage, messageId];
  const client = await runtime.db.pool.connect();
  let locked: boolean;
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
      key,
    );
    locked = rows[0]?.locked === true;
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  if (!locked) {
    client.release();
    return false;
  }
  try {
    await work();
    return true;
  } finally {
    // A connection that cannot unlock is closed rather than pooled: closing it releases the lock.
    const unlockError = await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', key).then(
      () => undefined,
      (error: Error) => error,
    );
    client.release(unlockError);
  }
}
