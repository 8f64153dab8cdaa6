import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { domainEvents } from './schema.js';

export interface EventEnvelope<T = unknown> {
  eventId: string;
  type: string;
  tenantId: string;
  requestId: string | null;
  occurredAt: string;
  payload: T;
}

/**
 * Records a domain event and enqueues one job per subscriber, all inside the caller's transaction:
 * if it rolls back nothing is sent; once it commits every subscriber runs (retried until it succeeds
 * or lands in the dead-letter queue).
 */
export async function emit<T extends object>(tx: Tx, type: string, payload: T): Promise<string> {
  const { ctx } = tx;
  if (!ctx.tenantId) throw new Error(`emit(${type}): events belong to a tenant, and none is set`);
  const envelope: EventEnvelope<T> = {
    eventId: uuidv7(),
    type,
    tenantId: ctx.tenantId,
    requestId: ctx.requestId,
    occurredAt: new Date().toISOString(),
    payload,
  };
  await tx.db.insert(domainEvents).values({
    tenantId: envelope.tenantId,
    id: envelope.eventId,
    type,
    payload,
    requestId: envelope.requestId,
    occurredAt: new Date(envelope.occurredAt),
  });

  const queues = ctx.runtime.jobs.subscriberQueues(type);
  if (queues.length > 0) {
    const db = { executeSql: (text: string, values: unknown[]) => tx.client.query(text, values) };
    await ctx.runtime.boss.insert(
      queues.map((name) => ({ name, data: envelope })),
      { db },
    );
  }
  return envelope.eventId;
}

/**
 * Enqueues one job of a task queue (JobRegistry.task) in the caller's transaction: it runs once the
 * transaction commits, never for rolled-back work.
 */
export async function enqueue<T extends object>(tx: Tx, queue: string, data: T): Promise<void> {
  if (!tx.ctx.runtime.jobs.get(queue)) throw new Error(`enqueue: no task queue "${queue}"`);
  const db = { executeSql: (text: string, values: unknown[]) => tx.client.query(text, values) };
  await tx.ctx.runtime.boss.insert([{ name: queue, data }], { db });
}
