import { createTransport } from 'nodemailer';
import type { Config } from '../../config.js';
import type { MailConfig } from '../../config-mail.js';

/** One plain-text email to one recipient. */
export interface Email {
  to: string;
  subject: string;
  text: string;
  /**
   * Stable per message (`<id@domain>` is made of it), so a message sent again after a crash between
   * sending and recording it is the same message to mail clients that drop duplicates.
   */
  id: string;
}

/** A send the server refused or that never reached it; the message is free of credentials. */
export class MailSendError extends Error {
  constructor(
    message: string,
    /** The server refused this message for good (a 5xx to its recipient or content): retrying cannot help. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

export interface Mailer {
  send(email: Email): Promise<void>;
}

// Bounds on each step, so a send ends (sent or failed) well within its job's expiry.
const CONNECTION_TIMEOUT_MS = 30_000;
const GREETING_TIMEOUT_MS = 30_000;
const SOCKET_TIMEOUT_MS = 60_000;
const MAX_ERROR_LENGTH = 500;

/**
 * Sends over SMTP with nodemailer. One connection per message (no pool): the outbox is sent by jobs a
 * few at a time, and nothing is left open to close at shutdown.
 */
export function createMailer(mail: MailConfig): Mailer {
  const transport = createTransport({
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    ...(mail.auth ? { auth: { user: mail.auth.user, pass: mail.auth.password } } : {}),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // Messages are our own text: nothing in them may make the server read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const domain = mail.from.address.slice(mail.from.address.lastIndexOf('@') + 1);
  return {
    async send(email) {
      try {
        await transport.sendMail({
          from: mail.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          messageId: `<${email.id}@${domain}>`,
          // RFC 3834: out-of-office and other automatic replies should not answer it.
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (error) {
        throw asSendError(error, mail.auth);
      }
    },
  };
}

const mailers = new WeakMap<MailConfig, Mailer>();

/** The process's mailer for this configuration, made on first use; null when SMTP_URL is unset. */
export function mailerFor(config: Pick<Config, 'mail'>): Mailer | null {
  if (!config.mail) return null;
  let mailer = mailers.get(config.mail);
  if (!mailer) {
    mailer = createMailer(config.mail);
    mailers.set(config.mail, mailer);
  }
  return mailer;
}

interface NodemailerError {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
}

/**
 * What went wrong, worded for the outbox and the logs: nodemailer's message (which carries the server's
 * reply) and code, never its other fields, with the credentials blanked in case a reply repeats them.
 */
function asSendError(error: unknown, auth: MailConfig['auth']): MailSendError {
  const { message, code, responseCode } = (error ?? {}) as NodemailerError;
  let text = typeof message === 'string' && message ? message : String(error);
  if (typeof code === 'string' && !text.includes(code)) text = `${text} (${code})`;
  if (auth) {
    const plain = Buffer.from(`\u0000${auth.user}\u0000${auth.password}`).toString('base64');
    for (const secret of [auth.password, encodeURIComponent(auth.password), plain]) {
      if (secret) text = text.split(secret).join('***');
    }
  }
  if (text.length > MAX_ERROR_LENGTH) text = `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
  // A recipient or message refused with a 5xx stays refused. Sign-in refusals (also 5xx) and
  // everything about the connection are retried: they are the server's or our configuration's state,
  // not the message's, and may be put right before the retries run out.
  const refusedMessage = code === 'EENVELOPE' || code === 'EMESSAGE';
  const permanentReply = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
  // An envelope refused before any reply: the recipient address itself is unusable.
  const unusableAddress = code === 'EENVELOPE' && responseCode === undefined;
  return new MailSendError(text, (refusedMessage && permanentReply) || unusableAddress);
}
