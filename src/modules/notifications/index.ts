export { registerNotificationJobs } from './jobs.js';
export { type OutboundMessageRow, outboundMessages } from './schema.js';
export { type EmailMessage, listMessages, MESSAGE_QUEUED, markStored, queueEmail } from './service.js';
