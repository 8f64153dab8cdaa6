/** Outgoing email (SMTP_URL, MAIL_FROM). Unset SMTP_URL: messages stay in the outbox for staff to read. */
export interface MailConfig {
  host: string;
  port: number;
  /** smtps: TLS from the first byte (usually port 465); smtp: plain, upgraded by STARTTLS when offered. */
  secure: boolean;
  /** From SMTP_URL's user and password; null: the server takes mail without signing in. */
  auth: { user: string; password: string } | null;
  /** The From of every message. */
  from: Mailbox;
}

export interface Mailbox {
  /** Display name; empty when MAIL_FROM is a bare address. */
  name: string;
  address: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'smtp:': 587, 'smtps:': 465 };
// One @, no spaces, angle brackets, quotes or separators: an address a mail server takes in MAIL FROM.
const ADDRESS = /^[^\s@<>",;:()[\]\\]+@[^\s@<>",;:()[\]\\]+$/;

/**
 * Reads SMTP_URL and MAIL_FROM, adding what is wrong to `problems`. No problem repeats the URL: it
 * holds the password.
 */
export function readMailConfig(
  smtpUrl: string | undefined,
  mailFrom: string | undefined,
  problems: string[],
): MailConfig | null {
  if (smtpUrl === undefined) {
    // A From without a server would look like mail is set up while nothing is sent.
    if (mailFrom !== undefined) problems.push('MAIL_FROM: applies only with SMTP_URL');
    return null;
  }
  const server = readSmtpUrl(smtpUrl, problems);
  let from: Mailbox | null = null;
  if (mailFrom === undefined) {
    problems.push('MAIL_FROM: required with SMTP_URL (e.g. "Mağaza <no-reply@example.com>")');
  } else {
    from = parseMailbox(mailFrom);
    if (!from) {
      problems.push('MAIL_FROM: not an address, nor "Name <address>" (e.g. "Mağaza <no-reply@example.com>")');
    }
  }
  return server && from ? { ...server, from } : null;
}

function readSmtpUrl(value: string, problems: string[]): Omit<MailConfig, 'from'> | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push('SMTP_URL: not a valid URL (smtp://user:password@host:587 or smtps://…:465)');
    return null;
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) {
    problems.push('SMTP_URL: protocol must be smtp: or smtps:');
    return null;
  }
  if (!url.hostname) {
    problems.push('SMTP_URL: names no host');
    return null;
  }
  // Options after the address (?tls…, /path) would be silently ignored: refused so nobody counts on them.
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    problems.push('SMTP_URL: must be only smtp(s)://user:password@host:port, with nothing after the port');
    return null;
  }
  let auth: MailConfig['auth'] = null;
  if (url.username || url.password) {
    if (!url.username || !url.password) {
      problems.push('SMTP_URL: a user name needs its password and a password its user name');
      return null;
    }
    try {
      auth = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    } catch {
      problems.push('SMTP_URL: the user name or password is not valid percent-encoding (%40 for @)');
      return null;
    }
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : defaultPort,
    secure: url.protocol === 'smtps:',
    auth,
  };
}

/** `no-reply@example.com`, `Çarşı Mağaza <no-reply@example.com>` or `"Çarşı, Mağaza" <…>`. */
export function parseMailbox(value: string): Mailbox | null {
  const text = value.trim();
  // Line breaks in a header value would let it add headers of its own.
  if (/[\r\n]/.test(text)) return null;
  const named = /^(.*?)\s*<([^<>]*)>$/.exec(text);
  const name = named ? named[1]!.replace(/^"(.*)"$/, '$1').trim() : '';
  const address = named ? named[2]!.trim() : text;
  if (!ADDRESS.test(address) || /[<>"]/.test(name)) return null;
  return { name, address };
}

/** Where mail goes, for logs and the start-up banner: never the credentials. */
export function describeMailServer(mail: MailConfig): string {
  const host = mail.host.includes(':') ? `[${mail.host}]` : mail.host;
  return `${mail.secure ? 'smtps' : 'smtp'}://${host}:${mail.port}`;
}
