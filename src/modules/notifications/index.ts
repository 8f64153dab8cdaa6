export { registerNotificationJobs } from './jobs.js';
export { MAIL_NOT_CONFIGURED, mailDeliveryLabel } from './mail-status.js';
export { REDACTED } from './redaction.js';
export { type OutboundMessageRow, outboundMessages } from './schema.js';
export {
  deliverableContent,
  type EmailMessage,
  listMessages,
  MESSAGE_QUEUED,
  type MessageSummary,
  markStored,
  queueEmail,
} from './service.js';
