import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSmtp, startFakeSmtp } from '../../../test/smtp.js';
import type { MailConfig } from '../../config-mail.js';
import { createMailer, MailSendError } from './smtp.js';

const USER = 'mağaza';
const PASSWORD = 'gizli: p@ss/ğüş';

describe('SMTP mailer', () => {
  let smtp: FakeSmtp;
  const config = (overrides: Partial<MailConfig> = {}): MailConfig => ({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    auth: { user: USER, password: PASSWORD },
    from: { name: 'Çarşı Mağaza', address: 'no-reply@carsi.test' },
    ...overrides,
  });

  beforeAll(async () => {
    smtp = await startFakeSmtp({
      user: USER,
      password: PASSWORD,
      onRecipient: (address) =>
        address === 'yok@carsi.test' ? { code: 550, message: '5.1.1 No such mailbox' } : undefined,
      onData: (recipient) =>
        recipient === 'sonra@carsi.test' ? { code: 451, message: '4.3.0 Try again later' } : undefined,
    });
  });
  afterAll(() => smtp?.close());

  const sendError = async (mailerConfig: MailConfig, to: string) => {
    try {
      await createMailer(mailerConfig).send({ to, subject: 'Deneme', text: 'Deneme', id: 'x-1' });
    } catch (error) {
      if (error instanceof MailSendError) return error;
      throw error;
    }
    throw new Error('the send succeeded');
  };

  it('signs in and sends a plain-text UTF-8 message whose Turkish letters survive', async () => {
    const subject = 'Şifre sıfırlama: İĞÜŞÖÇ ığüşöç';
    // Long enough that the encoder must wrap lines, with a link that must survive whole.
    const text = `Merhaba Ayşe Çığ,\n\n${'Ğ ı İ ş '.repeat(30)}\nhttps://magaza.example/reset?token=abc_DEF-123\n`;
    await createMailer(config()).send({ to: 'ayse@carsi.test', subject, text, id: 'mesaj-1' });
    const email = smtp.received.at(-1)!;
    expect(email).toMatchObject({
      mailFrom: 'no-reply@carsi.test',
      rcptTo: ['ayse@carsi.test'],
      user: USER,
      subject,
      from: 'Çarşı Mağaza <no-reply@carsi.test>',
    });
    expect(email.text.replace(/\r\n/g, '\n')).toBe(text);
    expect(email.headers.get('to')).toBe('ayse@carsi.test');
    expect(email.headers.get('message-id')).toBe('<mesaj-1@carsi.test>');
    expect(email.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('takes a refused recipient (550) as permanent', async () => {
    const error = await sendError(config(), 'yok@carsi.test');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('550 5.1.1 No such mailbox');
  });

  it('takes a message refused for now (451) as worth retrying', async () => {
    const error = await sendError(config(), 'sonra@carsi.test');
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('451 4.3.0 Try again later');
  });

  it('retries a refused sign-in, and never words the password', async () => {
    const wrong = 'yanlış: p@ss/şifre';
    const error = await sendError(config({ auth: { user: USER, password: wrong } }), 'ayse@carsi.test');
    expect(smtp.refusedLogins.at(-1)).toEqual({ user: USER, password: wrong });
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('535');
    expect(error.message).toContain('EAUTH');
    for (const form of [
      wrong,
      encodeURIComponent(wrong),
      Buffer.from(`\0${USER}\0${wrong}`).toString('base64'),
    ])
      expect(error.message).not.toContain(form);
    // Nothing of nodemailer's error rides along (its command, its response) to reach a log.
    expect(Object.keys(error).sort()).toEqual(['name', 'permanent']);
  });

  it('retries when nothing answers at the address', async () => {
    // A port that was free a moment ago: the connection is refused.
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const error = await sendError(config({ port: closed }), 'ayse@carsi.test');
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/ECONNREFUSED|ECONNECTION/);
  });
});
