import type { EventEnvelope } from '../../kernel/events/emit.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import { DELIVERY_RETRY, deliverMessage } from './delivery.js';
import { MESSAGE_QUEUED, PLATFORM_DELIVERY_TASK } from './service.js';

/** Delivers queued messages: over SMTP when SMTP_URL is set, else kept in the outbox for staff. */
export function registerNotificationJobs(registry: JobRegistry): void {
  registry.subscribe<EventEnvelope<{ messageId: string }>>(
    MESSAGE_QUEUED,
    'deliver',
    (event, runtime, job) =>
      deliverMessage(
        runtime,
        { tenantId: event.tenantId, messageId: event.payload.messageId, requestId: event.requestId },
        job,
      ),
    DELIVERY_RETRY,
  );
  registry.task<{ messageId: string; requestId: string | null }>(
    PLATFORM_DELIVERY_TASK,
    (task, runtime, job) => deliverMessage(runtime, { tenantId: null, ...task }, job),
    DELIVERY_RETRY,
  );
}
