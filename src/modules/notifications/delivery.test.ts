import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { makeUser } from '../../../test/identity.js';
import { type FakeSmtp, startFakeSmtp } from '../../../test/smtp.js';
import { waitFor } from '../../../test/wait.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { seal } from '../../kernel/crypto/sealed.js';
import type { EventEnvelope } from '../../kernel/events/emit.js';
import { DEAD_LETTER_QUEUE } from '../../kernel/events/registry.js';
import { UNSEALABLE } from './delivery.js';
import { REDACTED } from './redaction.js';
import { MESSAGE_QUEUED, PLATFORM_DELIVERY_TASK, queueEmail } from './service.js';

const DELIVER_QUEUE = `${MESSAGE_QUEUED}/deliver`;
const SMTP_USER = 'carsi-postaci';
const SMTP_PASSWORD = 'gizli: p@ss/ğüş';
const PASSWORD = 'Eski-Parola-2024';

interface MessageRow {
  id: string;
  status: string;
  body: string;
  data: Record<string, unknown>;
  sealed: string | null;
  error: string | null;
  delivered_at: Date | null;
}

describe('outbox delivery over SMTP', () => {
  let smtp: FakeSmtp;
  let t: TestApp;
  let tenantId: string;
  /** Recipients whose next DATA is answered 451 before one is accepted; how many to refuse. */
  const refuseFirst = new Map<string, number>();
  /** Rows as the database held them when the server was about to answer a later attempt. */
  const seenOnRetry: MessageRow[] = [];

  const rowOf = async (id: string) =>
    (await t.ownerQuery<MessageRow>('SELECT * FROM outbound_messages WHERE id = $1', [id]))[0]!;
  const settled = (id: string) =>
    waitFor(async () => {
      const row = await rowOf(id);
      return row.status === 'sent' || row.status === 'failed' ? row : undefined;
    });
  const receivedBy = (address: string) => smtp.received.filter((email) => email.rcptTo.includes(address));
  const queue = (to: string, tenant: string | null = tenantId) =>
    withTx(systemContext(t.runtime, tenant), (tx) =>
      queueEmail(tx, {
        to,
        subject: 'Siparişiniz yola çıktı / Your order has shipped',
        body: 'Merhaba, siparişiniz kargoya verildi. Kod: kargo-kodu-123456\n',
        template: 'test.shipped',
        data: { code: 'kargo-kodu-123456' },
        secrets: ['kargo-kodu-123456'],
      }),
    );
  const deadLetters = async (messageId: string) =>
    (
      await t.ownerQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->'payload'->>'messageId' = $2`,
        [DEAD_LETTER_QUEUE, messageId],
      )
    )[0]!.n;

  beforeAll(async () => {
    smtp = await startFakeSmtp({
      user: SMTP_USER,
      password: SMTP_PASSWORD,
      onRecipient: (address) =>
        address === 'yok@carsi.test' ? { code: 550, message: '5.1.1 Mailbox does not exist' } : undefined,
      onData: async (recipient, attempt) => {
        if (recipient === 'yavas@carsi.test') await new Promise((resolve) => setTimeout(resolve, 500));
        if (attempt > 1) {
          const [row] = await t.ownerQuery<MessageRow>(
            'SELECT * FROM outbound_messages WHERE recipient = $1 ORDER BY id DESC LIMIT 1',
            [recipient],
          );
          if (row) seenOnRetry.push(row);
        }
        if (recipient === 'hep-sonra@carsi.test' || attempt <= (refuseFirst.get(recipient) ?? 0)) {
          return { code: 451, message: '4.3.0 Mail server busy, try again later' };
        }
        return undefined;
      },
    });
    t = await createTestApp({
      workers: true,
      env: {
        SMTP_URL: smtp.url({ user: SMTP_USER, password: SMTP_PASSWORD }),
        MAIL_FROM: '"Çarşı Mağaza" <no-reply@carsi.test>',
      },
    });
    tenantId = await t.tenantId('demo');
    // Retries a second apart, two of them, so the tests see them through; the delivery's own policy is
    // hours long. A job takes its queue's policy when it is enqueued, so this applies to every test here.
    for (const name of [DELIVER_QUEUE, PLATFORM_DELIVERY_TASK]) {
      await t.runtime.boss.updateQueue(name, { name, retryLimit: 2, retryDelay: 1, retryBackoff: false });
    }
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('sends a reset email asked for through the API, with its working link; the outbox keeps it blanked', async () => {
    const email = 'ayse.ozturk@carsi.test';
    await makeUser(t, { email, password: PASSWORD, name: 'Ayşe Çığ Öztürk', kind: 'customer' });
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/forgot-password',
      payload: { email },
    });
    expect(asked.statusCode).toBe(202);

    const delivered = await waitFor(() => receivedBy(email)[0]);
    expect(delivered).toMatchObject({
      mailFrom: 'no-reply@carsi.test',
      rcptTo: [email],
      user: SMTP_USER,
      from: 'Çarşı Mağaza <no-reply@carsi.test>',
      subject: 'Şifre sıfırlama / Reset your password',
    });
    expect(delivered.headers.get('to')).toBe(email);
    expect(delivered.text).toContain('Merhaba Ayşe Çığ Öztürk,');
    expect(delivered.text).toContain('Şifrenizi sıfırlamak için:');
    const link = /(http\S+\/account\/reset-password\?token=([^&\s]+)\S*)/.exec(delivered.text);
    expect(link, delivered.text).not.toBeNull();
    const token = decodeURIComponent(link![2]!);
    expect(token).not.toBe(REDACTED);

    const [row] = await t.ownerQuery<MessageRow>(
      `SELECT * FROM outbound_messages WHERE template = 'identity.reset_password' AND recipient = $1`,
      [email],
    );
    const sent = await settled(row!.id);
    expect(sent).toMatchObject({ status: 'sent', sealed: null, error: null });
    expect(sent.delivered_at).toBeInstanceOf(Date);
    expect(sent.body).toContain(`token=${REDACTED}`);
    expect(sent.body).not.toContain(token);
    expect(sent.data['token']).toBe(REDACTED);
    expect(delivered.headers.get('message-id')).toBe(`<${row!.id}@carsi.test>`);

    // The link works: the emailed token sets a new password.
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/reset-password',
      payload: { token, password: 'Yeni-Parola-2024' },
    });
    expect(reset.statusCode).toBe(204);
  });

  it('retries a message the server refuses for now (451), recording why, then sends it', async () => {
    refuseFirst.set('sonra@carsi.test', 1);
    const id = await queue('sonra@carsi.test');
    const sent = await settled(id);
    expect(sent).toMatchObject({ status: 'sent', sealed: null, error: null });
    expect(smtp.attempts.get('sonra@carsi.test')).toBe(2);
    expect(receivedBy('sonra@carsi.test')).toHaveLength(1);
    expect(receivedBy('sonra@carsi.test')[0]!.text).toBe(
      'Merhaba, siparişiniz kargoya verildi. Kod: kargo-kodu-123456\r\n',
    );
    // Between the tries the message was still queued, with the refusal (and no credentials) in `error`.
    const between = seenOnRetry.find((row) => row.id === id)!;
    expect(between.status).toBe('queued');
    expect(between.error).toContain('451 4.3.0 Mail server busy, try again later');
    expect(between.error).not.toContain(SMTP_PASSWORD);
    expect(between.error).not.toContain(encodeURIComponent(SMTP_PASSWORD));
  });

  it('marks a message failed once its retries are used up, with the last error, and dead-letters the job', async () => {
    const id = await queue('hep-sonra@carsi.test');
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('451 4.3.0 Mail server busy, try again later');
    expect(failed.delivered_at).toBeNull();
    // The first try and both retries reached the server; nothing was accepted.
    expect(smtp.attempts.get('hep-sonra@carsi.test')).toBe(3);
    expect(receivedBy('hep-sonra@carsi.test')).toHaveLength(0);
    expect(await waitFor(async () => ((await deadLetters(id)) === 1 ? true : undefined))).toBe(true);
  });

  it('marks a message failed at once when the server refuses its recipient for good (550)', async () => {
    const id = await queue('yok@carsi.test');
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('550 5.1.1 Mailbox does not exist');
    // Not retried: the job finished, nothing went to the dead-letter queue.
    const [job] = await t.ownerQuery<{ state: string; retry_count: number }>(
      `SELECT state, retry_count FROM pgboss.job WHERE name = $1 AND data->'payload'->>'messageId' = $2`,
      [DELIVER_QUEUE, id],
    );
    expect(job).toEqual({ state: 'completed', retry_count: 0 });
    expect(await deadLetters(id)).toBe(0);
  });

  it('marks a message failed, unsent, when its sealed copy cannot be opened any more', async () => {
    const id = await withTx(systemContext(t.runtime, tenantId), async (tx) => {
      const queued = await queueEmail(tx, {
        to: 'donmus@carsi.test',
        subject: 'Doğrulama',
        body: 'Kod: eski-anahtar-koda',
        template: 'test.rotated',
        secrets: ['eski-anahtar-koda'],
      });
      // As if sealed under a JWT_SECRET that has since been rotated out of JWT_PREVIOUS_SECRETS.
      const stale = seal('a-secret-nobody-has-any-more-0123456789', 'notifications.message.v1', '{}');
      await tx.client.query('UPDATE outbound_messages SET sealed = $1 WHERE id = $2', [stale, queued]);
      return queued;
    });
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: 'failed', error: UNSEALABLE });
    expect(smtp.attempts.get('donmus@carsi.test')).toBeUndefined();
    expect(await deadLetters(id)).toBe(0);
  });

  it('sends a message once, however many runs of its job there are, at once or after it went out', async () => {
    const id = await queue('yavas@carsi.test');
    const deliver = t.runtime.jobs.get(DELIVER_QUEUE)!;
    const envelope: EventEnvelope<{ messageId: string }> = {
      eventId: 'direct',
      type: MESSAGE_QUEUED,
      tenantId,
      requestId: null,
      occurredAt: new Date().toISOString(),
      payload: { messageId: id },
    };
    const run = () => deliver.handler(envelope, t.runtime, { id: 'direct', retryCount: 0, retryLimit: 2 });
    // Two more runs beside the worker's own, while the (slow) server takes the first.
    const outcomes = await Promise.allSettled([run(), run()]);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        expect(String(outcome.reason)).toContain('being delivered by another worker');
    }
    expect((await settled(id)).status).toBe('sent');
    await run();
    expect(receivedBy('yavas@carsi.test')).toHaveLength(1);
    expect(smtp.attempts.get('yavas@carsi.test')).toBe(1);
  });

  it('sends platform messages (no tenant) through a task of their own', async () => {
    const id = await queue('platform-yonetici@carsi.test', null);
    const sent = await settled(id);
    expect(sent.status).toBe('sent');
    expect(receivedBy('platform-yonetici@carsi.test')).toHaveLength(1);
  });
});

describe('outbox without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: true });
  });
  afterAll(() => t?.close());

  it('keeps messages in the outbox, sealed copy and all, and asks no job for platform messages', async () => {
    const email = 'kalir@carsi.test';
    await makeUser(t, { email, password: PASSWORD, kind: 'customer' });
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/forgot-password',
      payload: { email },
    });
    expect(asked.statusCode).toBe(202);
    const row = await waitFor(async () => {
      const [found] = await t.ownerQuery<MessageRow>(
        `SELECT * FROM outbound_messages WHERE recipient = $1 AND status <> 'queued'`,
        [email],
      );
      return found;
    });
    expect(row.status).toBe('stored');
    expect(row.delivered_at).toBeInstanceOf(Date);
    expect(row.sealed).not.toBeNull();

    const platformId = await withTx(systemContext(t.runtime, null), (tx) =>
      queueEmail(tx, {
        to: 'platform@carsi.test',
        subject: 'Konu',
        body: 'Metin',
        template: 'test.platform',
      }),
    );
    const [platform] = await t.ownerQuery<MessageRow>('SELECT * FROM outbound_messages WHERE id = $1', [
      platformId,
    ]);
    expect(platform!.status).toBe('stored');
    const [jobs] = await t.ownerQuery<{ n: number }>(
      'SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1',
      [PLATFORM_DELIVERY_TASK],
    );
    expect(jobs!.n).toBe(0);
  });
});
