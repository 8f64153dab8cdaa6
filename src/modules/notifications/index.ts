export { type EmailMessage, listMessages, MESSAGE_QUEUED, markStored, queueEmail } from './service.js';
export { type OutboundMessageRow, outboundMessages } from './schema.js';
