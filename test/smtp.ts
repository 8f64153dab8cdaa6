import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** A message the server accepted, as it arrived and decoded the way a mail client reads it. */
export interface ReceivedEmail {
  /** The envelope: MAIL FROM and RCPT TO. */
  mailFrom: string;
  rcptTo: string[];
  /** The user the client signed in as; null when it did not. */
  user: string | null;
  raw: string;
  /** Header values unfolded, names lower-case; encoded words left as sent. */
  headers: Map<string, string>;
  /** Subject and From with their RFC 2047 encoded words decoded. */
  subject: string;
  from: string;
  /** The body, its transfer encoding undone and read as UTF-8. */
  text: string;
}

/** How the server answers a command: a reply code and text, or nothing to accept it. */
export type SmtpRefusal = { code: number; message: string } | undefined;

export interface FakeSmtpOptions {
  /** Credentials the server asks for (AUTH PLAIN/LOGIN over the plain connection); none: no sign-in. */
  user?: string;
  password?: string;
  /** Answer to RCPT TO for an address (550 refuses the recipient for good). */
  onRecipient?: (address: string) => SmtpRefusal;
  /**
   * Answer once the message's data has arrived; `attempt` counts the messages for this recipient that
   * reached this point, from 1. It may wait (a slow server), or look at the database before answering.
   */
  onData?: (recipient: string, attempt: number) => SmtpRefusal | Promise<SmtpRefusal>;
}

export interface FakeSmtp {
  port: number;
  /** smtp://[user:password@]127.0.0.1:<port>, with the credentials percent-encoded. */
  url(credentials?: { user: string; password: string }): string;
  received: ReceivedEmail[];
  /** Messages that reached DATA, accepted or refused, per recipient. */
  attempts: Map<string, number>;
  /** Sign-ins refused, with the password that was tried. */
  refusedLogins: { user: string; password: string }[];
  close(): Promise<void>;
}

function refusal(reply: { code: number; message: string }): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/**
 * A real SMTP server (the smtp-server package) on a free loopback port, without STARTTLS (nothing to
 * trust in tests), that keeps what it accepts and answers as the test tells it.
 */
export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const received: ReceivedEmail[] = [];
  const attempts = new Map<string, number>();
  const refusedLogins: FakeSmtp['refusedLogins'] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: options.user === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) {
        callback(null, { user: auth.username });
        return;
      }
      refusedLogins.push({ user: auth.username ?? '', password: auth.password ?? '' });
      callback(refusal({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onRcptTo(address, _session, callback) {
      const answer = options.onRecipient?.(address.address);
      callback(answer ? refusal(answer) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        const recipient = rcptTo[0] ?? '';
        const attempt = (attempts.get(recipient) ?? 0) + 1;
        attempts.set(recipient, attempt);
        void (async () => {
          const answer = await options.onData?.(recipient, attempt);
          if (answer) return callback(refusal(answer));
          const mailFrom = session.envelope.mailFrom;
          const user = typeof session.user === 'string' ? session.user : null;
          received.push(decodeEmail(Buffer.concat(chunks).toString('latin1'), mailFrom, rcptTo, user));
          callback(null, 'Queued');
        })().catch((error: unknown) => callback(error as Error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url(credentials) {
      const login = credentials
        ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
        : '';
      return `smtp://${login}127.0.0.1:${port}`;
    },
    received,
    attempts,
    refusedLogins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decodeEmail(
  raw: string,
  mailFrom: false | { address: string },
  rcptTo: string[],
  user: string | null,
): ReceivedEmail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const contentType = headers.get('content-type') ?? '';
  if (!/^text\/plain\b/i.test(contentType) || !/charset=("?)utf-8\1/i.test(contentType)) {
    throw new Error(`expected a UTF-8 text/plain message, got Content-Type: ${contentType}`);
  }
  const body = Buffer.from(raw.slice(split + 4), 'latin1');
  return {
    mailFrom: mailFrom ? mailFrom.address : '',
    rcptTo,
    user,
    raw,
    headers,
    subject: decodeWords(headers.get('subject') ?? ''),
    from: decodeWords(headers.get('from') ?? ''),
    text: decodeBody(body, headers.get('content-transfer-encoding') ?? '7bit'),
  };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); the space between two of them is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(
      /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
      (_match, charset: string, encoding: string, text: string) => {
        if (charset.toLowerCase() !== 'utf-8') throw new Error(`unexpected charset ${charset}`);
        const bytes =
          encoding.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : quotedPrintableBytes(text.replace(/_/g, ' '));
        return bytes.toString('utf8');
      },
    );
}

function decodeBody(body: Buffer, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'quoted-printable':
      return quotedPrintableBytes(body.toString('latin1').replace(/=\r\n/g, '')).toString('utf8');
    case 'base64':
      return Buffer.from(body.toString('latin1'), 'base64').toString('utf8');
    case '7bit':
    case '8bit':
      return body.toString('utf8');
    default:
      throw new Error(`unexpected Content-Transfer-Encoding ${encoding}`);
  }
}

function quotedPrintableBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}
