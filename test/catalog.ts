import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { uuidv7 } from 'uuidv7';
import { expect } from 'vitest';
import { tenantDirectoryOf } from '../src/modules/tenancy/index.js';
import type { TestApp } from './app.js';
import type { apiCaller } from './http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from './identity.js';

/** What `apiCaller` returns: `call(method, path, { auth, payload })` on /api/v1. */
export type Caller = ReturnType<typeof apiCaller>;

export interface VariantBody {
  id: string;
  sku: string;
  barcode: string | null;
  optionValues: Record<string, string>;
  basePrice: string;
  currency: string;
  status: string;
  inStock: boolean;
  stockQuantity?: string;
  position: number;
}

export interface ProductBody {
  id: string;
  status: string;
  locale: string;
  name: string;
  slug: string;
  description: string | null;
  translations: Record<string, { name: string; slug: string; description: string | null }>;
  brand: { id: string; name: string; slug: string } | null;
  taxRate: string;
  unit: string;
  minOrderQuantity: string;
  orderMultiple: string;
  externalId: string | null;
  minPrice: string | null;
  maxPrice: string | null;
  inStock: boolean;
  variants: VariantBody[];
  images: {
    id: string;
    fileId: string;
    variantId: string | null;
    position: number;
    alt: string;
    urls: { original: string; thumb: string | null };
  }[];
  attributes: {
    attributeId: string;
    code: string;
    type: string;
    name: string;
    value: unknown;
    options: { code: string; label: string }[];
  }[];
  categories: {
    id: string;
    name: string;
    slug: string;
    breadcrumbs: { id: string; name: string; slug: string }[];
  }[];
}

export interface CategoryBody {
  id: string;
  parentId: string | null;
  ancestorIds: string[];
  depth: number;
  position: number;
  name: string;
  slug: string;
  translations: Record<string, { name: string; slug: string }>;
  breadcrumbs?: { id: string; name: string; slug: string }[];
  children?: { id: string; name: string; position: number }[];
  attributes?: { attributeId: string; code: string; required: boolean; categoryId: string }[];
}

export interface BrandBody {
  id: string;
  name: string;
  slug: string;
}

export interface AttributeBody {
  id: string;
  code: string;
  type: string;
  name: string;
  options: { id: string; code: string; label: string }[];
}

/** A SKU no other call of this process has used. */
export function uniqueSku(prefix = 'SKU'): string {
  return `${prefix}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

function created<T>(response: LightMyRequestResponse): T {
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as T;
}

/**
 * Creates a product through the API (as the caller's default user unless `auth` is given): a draft
 * with one variant and a Turkish name, overridden by `body`.
 */
export async function createProduct(
  call: Caller,
  body: Record<string, unknown> = {},
  auth?: SignedIn,
): Promise<ProductBody> {
  const payload = {
    translations: { tr: { name: 'Kraft Kutu' } },
    variants: [{ sku: uniqueSku(), basePrice: '10.00' }],
    ...body,
  };
  return created<ProductBody>(await call('POST', '/products', { payload, ...(auth ? { auth } : {}) }));
}

export async function createCategory(call: Caller, name: string, body: Record<string, unknown> = {}) {
  return created<CategoryBody>(
    await call('POST', '/categories', { payload: { translations: { tr: { name } }, ...body } }),
  );
}

export async function createBrand(call: Caller, name: string, body: Record<string, unknown> = {}) {
  return created<BrandBody>(await call('POST', '/brands', { payload: { name, ...body } }));
}

export async function createAttribute(call: Caller, body: Record<string, unknown>) {
  return created<AttributeBody>(await call('POST', '/attributes', { payload: body }));
}

/** Assigns attributes to a category: `[{ attributeId, required }]`. */
export async function assignAttributes(
  call: Caller,
  categoryId: string,
  items: { attributeId: string; required?: boolean }[],
): Promise<void> {
  const response = await call('PUT', `/categories/${categoryId}/attributes`, { payload: items });
  expect(response.statusCode, response.body).toBe(200);
}

/**
 * A stored upload row, written directly (as the database owner) so catalog tests do not depend on
 * the upload pipeline: a public image by default.
 */
/**
 * The small catalog product page tests start from: Ambalaj › Kutular (with English names) and an enum
 * attribute `renk` (kahve, beyaz) assigned to Ambalaj, so products in Kutular may have it.
 */
export async function createBoxesTree(call: Caller) {
  const root = await createCategory(call, 'Ambalaj', {
    translations: { tr: { name: 'Ambalaj' }, en: { name: 'Packaging' } },
  });
  const boxes = await createCategory(call, 'Kutular', {
    parentId: root.id,
    translations: { tr: { name: 'Kutular' }, en: { name: 'Boxes' } },
  });
  const colour = (await createAttribute(call, {
    code: 'renk',
    type: 'enum',
    names: { tr: 'Renk', en: 'Colour' },
    options: [
      { code: 'kahve', labels: { tr: 'Kahverengi', en: 'Brown' } },
      { code: 'beyaz', labels: { tr: 'Beyaz', en: 'White' } },
    ],
  })) as { id: string; options: { id: string; code: string }[] };
  await assignAttributes(call, root.id, [{ attributeId: colour.id }]);
  return { root, boxes, colour };
}

export async function insertFile(
  t: TestApp,
  options: {
    tenant?: string;
    purpose?: 'image' | 'document' | 'import';
    visibility?: 'public' | 'private';
    status?: 'processing' | 'ready' | 'failed';
    deleted?: boolean;
    withVariants?: boolean;
  } = {},
): Promise<string> {
  const id = uuidv7();
  const sha = randomBytes(32).toString('hex');
  const key = `${sha}/original.png`;
  const variants = options.withVariants
    ? [
        {
          name: 'thumb',
          key: `${sha}/thumb.webp`,
          contentType: 'image/webp',
          width: 150,
          height: 150,
          sizeBytes: 900,
        },
      ]
    : [];
  await t.ownerQuery(
    `INSERT INTO files (tenant_id, id, purpose, visibility, status, content_type, size_bytes, sha256,
                        storage_key, original_name, width, height, variants, deleted_at)
     VALUES ($1, $2, $3, $4, $5, 'image/png', 1234, $6, $7, 'kutu.png', 800, 600, $8, $9)`,
    [
      await t.tenantId(options.tenant ?? 'demo'),
      id,
      options.purpose ?? 'image',
      options.visibility ?? 'public',
      options.status ?? 'ready',
      sha,
      key,
      JSON.stringify(variants),
      options.deleted ? new Date() : null,
    ],
  );
  return id;
}

/** Turns the tenant's "catalog only for signed-in callers" rule on or off, effective at once here. */
export async function setCatalogRequiresLogin(
  t: TestApp,
  tenant: string,
  requireLogin: boolean,
): Promise<void> {
  await t.ownerQuery(
    `UPDATE tenants SET settings = jsonb_set(settings, '{catalog}', $2::jsonb) WHERE slug = $1`,
    [tenant, JSON.stringify({ requireLogin })],
  );
  tenantDirectoryOf(t.runtime).invalidate();
}

/** A second tenant (made through the platform API) and a super_admin signed in to it. */
export async function otherTenantAdmin(t: TestApp, slug: string): Promise<SignedIn> {
  const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, { platform: true });
  const email = `admin@${slug}.test`;
  const password = 'Other-Tenant-Pass-2024!';
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/platform/tenants',
    headers: platform.auth,
    payload: { slug, name: `Tenant ${slug}`, owner: { email, password } },
  });
  expect(response.statusCode, response.body).toBe(201);
  return signIn(t.app, email, password, { tenant: slug });
}

/** Audit entries of one entity, oldest first, read as the owner. */
export async function auditTrail(t: TestApp, entityType: string, entityId: string) {
  return t.ownerQuery<{ action: string; before: unknown; after: unknown; actor_type: string }>(
    'SELECT action, before, after, actor_type FROM audit_logs WHERE entity_type = $1 AND entity_id = $2 ORDER BY id',
    [entityType, entityId],
  );
}
