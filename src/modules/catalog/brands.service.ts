import { and, asc, eq, gt, ilike, inArray, isNull, ne, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { type FileRow, files, imageUrlsOf } from '../files/index.js';
import { catalogEntityChanged, productsChanged } from './changes.js';
import type { BrandCreateBody, BrandPatchBody } from './contracts.js';
import { notFound, taken } from './errors.js';
import { publicImageFile } from './images.service.js';
import { productPagesChanged } from './product-pages.js';
import { type BrandRow, brands, products } from './schema.js';
import { baseSlug, claimSlug } from './slugs.js';
import { type LocaleChoice, pickLocale } from './texts.js';

export async function getBrand(tx: Tx, id: string): Promise<BrandRow> {
  const [row] = await tx.db.select().from(brands).where(eq(brands.id, id)).limit(1);
  if (!row) throw notFound('brand');
  return row;
}

export interface BrandListQuery {
  limit: number;
  after?: string | undefined;
  /** Part of the name, case-insensitive. */
  q?: string | undefined;
}

/** Brands in the order they were created (ids are time-ordered), one page plus one row. */
export async function listBrands(tx: Tx, query: BrandListQuery): Promise<BrandRow[]> {
  const filters: SQL[] = [];
  if (query.after) filters.push(gt(brands.id, query.after));
  if (query.q) filters.push(ilike(brands.name, `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  return tx.db
    .select()
    .from(brands)
    .where(and(...filters))
    .orderBy(asc(brands.id))
    .limit(query.limit + 1);
}

/** Logo files of brands, by file id, for their URLs. */
export async function logosOf(tx: Tx, rows: readonly BrandRow[]): Promise<Map<string, FileRow>> {
  const ids = [...new Set(rows.flatMap((r) => (r.logoFileId ? [r.logoFileId] : [])))];
  if (ids.length === 0) return new Map();
  const found = await tx.db
    .select()
    .from(files)
    .where(and(inArray(files.id, ids), isNull(files.deletedAt)));
  return new Map(found.map((file) => [file.id, file]));
}

export function toBrandView(row: BrandRow, choice: LocaleChoice, logo: FileRow | undefined) {
  const locale = pickLocale(Object.keys(row.description), choice);
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: locale === undefined ? null : (row.description[locale] ?? null),
    descriptions: row.description,
    logoFileId: row.logoFileId,
    logo: logo ? imageUrlsOf(logo) : null,
    externalId: row.externalId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function assertSlugFree(tx: Tx, slug: string, exceptId?: string): Promise<void> {
  const [other] = await tx.db
    .select({ id: brands.id })
    .from(brands)
    .where(and(eq(brands.slug, slug), ...(exceptId ? [ne(brands.id, exceptId)] : [])))
    .limit(1);
  if (other) throw taken('catalog.slug_taken', 'slug', `Another brand uses the slug "${slug}".`);
}

async function assertExternalIdFree(tx: Tx, externalId: string, exceptId?: string): Promise<void> {
  const [other] = await tx.db
    .select({ id: brands.id })
    .from(brands)
    .where(and(eq(brands.externalId, externalId), ...(exceptId ? [ne(brands.id, exceptId)] : [])))
    .limit(1);
  if (other) throw taken('catalog.external_id_taken', 'externalId', 'Another brand has this external id.');
}

/** A brand; without a slug one is made from the name ("Ülker" → "ulker", then "ulker-2", …). */
export async function createBrand(tx: Tx, input: BrandCreateBody): Promise<BrandRow> {
  if (input.logoFileId) await publicImageFile(tx, input.logoFileId, 'logoFileId');
  if (input.externalId) await assertExternalIdFree(tx, input.externalId);
  const values = {
    tenantId: tx.ctx.tenantId!,
    id: uuidv7(),
    name: input.name,
    description: input.description ?? {},
    logoFileId: input.logoFileId ?? null,
    externalId: input.externalId ?? null,
  };
  let row: BrandRow | undefined;
  const insert = async (slug: string) => {
    [row] = await tx.db
      .insert(brands)
      .values({ ...values, slug })
      .onConflictDoNothing({ target: [brands.tenantId, brands.slug] })
      .returning();
    return row !== undefined;
  };
  if (input.slug !== undefined) {
    await assertSlugFree(tx, input.slug);
    if (!(await insert(input.slug))) await assertSlugFree(tx, input.slug);
  } else {
    await claimSlug(tx, { table: brands, column: brands.slug }, baseSlug(input.name, 'marka'), insert);
  }
  await audit(tx, { action: 'brand.created', entityType: 'brand', entityId: row!.id, after: row });
  await catalogEntityChanged(tx, 'brand', row!.id, 'created');
  return row!;
}

/** Changes a brand; a new name is searched for at once in all of the brand's products. */
export async function updateBrand(tx: Tx, id: string, patch: BrandPatchBody): Promise<BrandRow> {
  const [before] = await tx.db.select().from(brands).where(eq(brands.id, id)).for('update').limit(1);
  if (!before) throw notFound('brand');
  if (patch.logoFileId) await publicImageFile(tx, patch.logoFileId, 'logoFileId');
  if (patch.slug !== undefined && patch.slug !== before.slug) await assertSlugFree(tx, patch.slug, id);
  if (patch.externalId) await assertExternalIdFree(tx, patch.externalId, id);
  const [after] = await tx.db
    .update(brands)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(brands.id, id))
    .returning();
  await audit(tx, { action: 'brand.updated', entityType: 'brand', entityId: id, before, after });
  await catalogEntityChanged(tx, 'brand', id, 'updated');
  // The name is in the products' search documents; name and slug are on their pages.
  if (after!.name !== before.name) await productsChanged(tx, await productIdsOfBrand(tx, id), 'updated');
  else if (after!.slug !== before.slug) await productPagesChanged(tx, await productIdsOfBrand(tx, id));
  return after!;
}

/** Deletes a brand; its products keep existing without a brand (and are re-indexed without its name). */
export async function deleteBrand(tx: Tx, id: string): Promise<void> {
  const before = await getBrand(tx, id);
  const productIds = await productIdsOfBrand(tx, id);
  await tx.db.delete(brands).where(eq(brands.id, id));
  await audit(tx, { action: 'brand.deleted', entityType: 'brand', entityId: id, before });
  await catalogEntityChanged(tx, 'brand', id, 'deleted');
  await productsChanged(tx, productIds, 'updated');
}

async function productIdsOfBrand(tx: Tx, brandId: string): Promise<string[]> {
  const rows = await tx.db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.brandId, brandId), isNull(products.deletedAt)));
  return rows.map((r) => r.id);
}
