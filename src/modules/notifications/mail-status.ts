import type { Config } from '../../config.js';
import { describeMailServer } from '../../config-mail.js';

/** Said once at start by a process that delivers messages, when it has no mail server to send them to. */
export const MAIL_NOT_CONFIGURED =
  'SMTP_URL is unset: outgoing email is not configured, so no email is sent. Messages stay in the ' +
  'outbox (status "stored"), where staff holding notifications.view read them at ' +
  'GET /api/v1/admin/outbound-messages. Set SMTP_URL and MAIL_FROM to send them.';

/** Where messages go, for the start-up banner (never the SMTP credentials). */
export function mailDeliveryLabel(config: Pick<Config, 'mail'>): string {
  if (!config.mail) return 'kept in the outbox (SMTP_URL unset)';
  return `${describeMailServer(config.mail)}, from ${config.mail.from.address}`;
}
