import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import type { EventEnvelope } from '../../kernel/events/emit.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import { MESSAGE_QUEUED, markStored } from './service.js';

/** Delivers queued messages. With no mail transport configured yet, delivery keeps the message for staff. */
export function registerNotificationJobs(registry: JobRegistry): void {
  registry.subscribe<EventEnvelope<{ messageId: string }>>(
    MESSAGE_QUEUED,
    'deliver',
    async (event, runtime) => {
      await withTx(systemContext(runtime, event.tenantId, event.requestId), (tx) =>
        markStored(tx, event.payload.messageId),
      );
    },
  );
}
