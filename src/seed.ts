import pg from 'pg';
import { withTx } from './db/tx.js';
import { type Runtime, systemContext } from './kernel/context.js';
import { AppError } from './kernel/errors.js';
import { type DemoCatalogSize, seedDemoCatalog } from './modules/catalog/demo-catalog.js';
import { rebuildProductPages } from './modules/catalog/product-pages.js';
import { refreshProductDerivedFields } from './modules/catalog/search-document.js';
import { createUser, setUpTenant, type UserRow } from './modules/identity/index.js';
import { contentLanguageOf, findTenantBySlug } from './modules/tenancy/index.js';

/**
 * The demo data set: a second tenant beside the default one, so tenant isolation can be seen from
 * the first start (`X-Tenant: demo-bayi`). Later modules add their catalog, customers and orders here.
 */
export async function seedDemoData(runtime: Runtime, catalogSize: DemoCatalogSize = 'small'): Promise<void> {
  await withTx(systemContext(runtime, null), (tx) =>
    setUpTenant(
      tx,
      {
        slug: 'demo-bayi',
        name: 'Demo Bayi Kırtasiye',
        settings: { defaultCurrency: 'TRY', locale: 'tr-TR' },
      },
      { ifMissing: true },
    ),
  );
  const home = await withTx(
    systemContext(runtime, null),
    (tx) => findTenantBySlug(tx, runtime.config.defaultTenant),
    { readOnly: true },
  );
  if (home) {
    const started = Date.now();
    const ctx = systemContext(runtime, home.id);
    const productIds = await withTx(ctx, (tx) => seedDemoCatalog(tx, catalogSize));
    if (productIds.length > 0) {
      // Statistics first: planned against tables it believes empty, the bulk refresh takes minutes.
      await analyzeCatalog(runtime);
      const locale = contentLanguageOf(home.settings);
      for (let start = 0; start < productIds.length; start += 2_000) {
        const batch = productIds.slice(start, start + 2_000);
        await withTx(ctx, async (tx) => {
          await refreshProductDerivedFields(tx, batch, locale);
          await rebuildProductPages(tx, batch, locale);
        });
      }
      await analyzeCatalog(runtime);
      runtime.log.info({ products: productIds.length, ms: Date.now() - started }, 'demo catalog created');
    }
  }
  runtime.log.info('demo data ready');
}

/**
 * Fresh statistics after a bulk load, so the first queries get good plans without waiting for
 * autovacuum. Table owners only may ANALYZE, hence the owner connection.
 */
async function analyzeCatalog(runtime: Runtime): Promise<void> {
  const client = new pg.Client({ connectionString: runtime.db.ownerUrl });
  await client.connect();
  try {
    await client.query(
      'ANALYZE products, product_translations, product_variants, product_categories, product_attribute_values, categories, brands',
    );
  } finally {
    await client.end();
  }
}

export interface CliUser {
  tenant: string;
  kind: 'staff' | 'customer' | 'platform';
  email: string;
  password: string;
  name: string;
  roles: string[];
}

/** `carsi user create`: a user in a tenant, or a platform administrator. */
export async function createUserFromCli(runtime: Runtime, input: CliUser): Promise<UserRow> {
  let tenantId: string | null = null;
  if (input.kind !== 'platform') {
    const tenant = await withTx(systemContext(runtime, null), (tx) => findTenantBySlug(tx, input.tenant), {
      readOnly: true,
    });
    if (!tenant) throw new AppError('tenant.not_found', 404, `No tenant "${input.tenant}".`);
    tenantId = tenant.id;
  }
  return withTx(systemContext(runtime, tenantId), (tx) =>
    createUser(tx, {
      kind: input.kind,
      email: input.email,
      name: input.name,
      password: input.password,
      roles: input.roles,
      emailVerified: true,
    }),
  );
}
