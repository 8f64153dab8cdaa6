export { registerNotificationJobs } from './jobs.js';
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
