import { withTx } from './db/tx.js';
import { type Runtime, systemContext } from './kernel/context.js';
import { ensureTenant } from './modules/tenancy/index.js';

/**
 * The demo data set: a second tenant beside the default one, so tenant isolation can be seen from
 * the first start (`X-Tenant: demo-bayi`). Later modules add their catalog, customers and orders here.
 */
export async function seedDemoData(runtime: Runtime): Promise<void> {
  await withTx(systemContext(runtime, null), async (tx) => {
    await ensureTenant(tx, {
      slug: 'demo-bayi',
      name: 'Demo Bayi Kırtasiye',
      settings: { defaultCurrency: 'TRY', locale: 'tr-TR' },
    });
  });
  runtime.log.info('demo data ready');
}
