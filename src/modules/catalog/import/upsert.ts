import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../../db/tx.js';
import { isUuid } from '../../../kernel/uuid.js';
import {
  ProductCreateBody,
  ProductPatchBody,
  type TranslationInput,
  type TranslationPatch,
  VariantInput,
  VariantPatch,
} from '../contracts.js';
import { lockLiveProduct } from '../product-rows.js';
import { createProduct, updateProduct } from '../products.service.js';
import {
  brands,
  categoryTranslations,
  type ImportRowError,
  productCategories,
  products,
  type VariantRow,
} from '../schema.js';
import { pickLocale } from '../texts.js';
import { PRODUCT_TEXTS, type TranslationMap, translationsOf } from '../translations.js';
import { addVariant, liveVariantsOf, updateVariant } from '../variants.service.js';
import { parseTextColumn, sameDecimal, textColumn } from './columns.js';
import type { ProductDraft, VariantDraft, VariantFields } from './drafts.js';
import { type FieldSource, schemaProblems, serviceProblems } from './validation.js';

/*
 * One product of the file written through the catalog's own services (createProduct, updateProduct,
 * addVariant, updateVariant), so an imported product gets exactly the checks, slugs, audit entries and
 * events of one made through the API. The caller runs each product inside a savepoint.
 */

export type UpsertResult = 'created' | 'updated' | 'unchanged';

/** Why a product of the file was not imported; thrown after nothing or part of it was written. */
export class RowProblems extends Error {
  constructor(readonly problems: ImportRowError[]) {
    super(`${problems.length} problem(s) in the file`);
    this.name = 'RowProblems';
  }
}

/** Brand and category ids by slug, remembered for one batch of products. */
export class SlugLookups {
  private readonly brandIds = new Map<string, string | null>();
  private readonly categoryIds = new Map<string, string | null>();

  constructor(private readonly contentLocale: string) {}

  async brand(tx: Tx, slug: string): Promise<string | null> {
    if (!this.brandIds.has(slug)) {
      const [row] = await tx.db.select({ id: brands.id }).from(brands).where(eq(brands.slug, slug)).limit(1);
      this.brandIds.set(slug, row?.id ?? null);
    }
    return this.brandIds.get(slug)!;
  }

  /** A slug may be used in several locales by different categories; the content locale's wins. */
  async category(tx: Tx, slug: string): Promise<string | null> {
    if (!this.categoryIds.has(slug)) {
      const matches = await tx.db
        .select({ id: categoryTranslations.categoryId, locale: categoryTranslations.locale })
        .from(categoryTranslations)
        .where(eq(categoryTranslations.slug, slug));
      const locale = pickLocale(
        matches.map((m) => m.locale),
        { locale: this.contentLocale, fallback: this.contentLocale },
      );
      this.categoryIds.set(slug, matches.find((m) => m.locale === locale)?.id ?? null);
    }
    return this.categoryIds.get(slug)!;
  }
}

/** Creates the product the draft describes, or brings the existing one with its external id up to date. */
export async function upsertProduct(
  tx: Tx,
  draft: ProductDraft,
  lookups: SlugLookups,
  contentLocale: string,
): Promise<UpsertResult> {
  const source = sourceOf(draft, contentLocale);
  const references = await resolveReferences(tx, draft, lookups);
  const existing = await findProduct(tx, draft.externalId);
  if (!existing) {
    await create(tx, draft, references, source);
    return 'created';
  }
  return (await update(tx, existing.id, draft, references, source)) ? 'updated' : 'unchanged';
}

/**
 * The live product a file's key names: the one with that external id, else (for keys that are ids) the
 * product with that id and no external id — the export keys such products by their id, so a file
 * exported and imported again updates them instead of creating copies.
 */
async function findProduct(tx: Tx, key: string): Promise<{ id: string } | undefined> {
  const [byExternalId] = await tx.db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.externalId, key), isNull(products.deletedAt)))
    .limit(1);
  if (byExternalId || !isUuid(key)) return byExternalId;
  const [byId] = await tx.db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.id, key), isNull(products.externalId), isNull(products.deletedAt)))
    .limit(1);
  return byId;
}

function sourceOf(draft: ProductDraft, contentLocale: string): FieldSource {
  return {
    nameColumn: textColumn('name', contentLocale),
    productRow(column) {
      if (column === 'categories') return draft.categories?.row ?? draft.firstRow;
      const text = parseTextColumn(column);
      if (text) return draft.texts[text.locale]?.[text.kind]?.row ?? draft.firstRow;
      return draft.fields[column as keyof ProductDraft['fields']]?.row ?? draft.firstRow;
    },
  };
}

interface References {
  brandId?: string;
  categoryIds?: string[];
}

async function resolveReferences(tx: Tx, draft: ProductDraft, lookups: SlugLookups): Promise<References> {
  const problems: ImportRowError[] = [];
  const references: References = {};
  const brand = draft.fields.brand;
  if (brand) {
    const id = await lookups.brand(tx, brand.value);
    if (id) references.brandId = id;
    else
      problems.push({ row: brand.row, field: 'brand', message: `No brand has the slug "${brand.value}".` });
  }
  if (draft.categories) {
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const slug of draft.categories.value) {
      const id = await lookups.category(tx, slug);
      if (id) ids.push(id);
      else unknown.push(`"${slug}"`);
    }
    if (unknown.length > 0) {
      problems.push({
        row: draft.categories.row,
        field: 'categories',
        message: `No category has the slug ${unknown.join(', ')}.`,
      });
    }
    references.categoryIds = ids;
  }
  if (problems.length > 0) throw new RowProblems(problems);
  return references;
}

/** The product fields the file gives, as a body names them (references resolved). */
function givenProductFields(draft: ProductDraft, references: References) {
  const { fields } = draft;
  return {
    ...(fields.status ? { status: fields.status.value as 'draft' } : {}),
    ...(references.brandId ? { brandId: references.brandId } : {}),
    ...(references.categoryIds ? { categoryIds: references.categoryIds } : {}),
    ...(fields.unit ? { unit: fields.unit.value as 'adet' } : {}),
    ...(fields.tax_rate ? { taxRate: fields.tax_rate.value } : {}),
    ...(fields.min_order_quantity ? { minOrderQuantity: fields.min_order_quantity.value } : {}),
    ...(fields.order_multiple ? { orderMultiple: fields.order_multiple.value } : {}),
  };
}

function givenTexts(draft: ProductDraft, locale: string): TranslationPatch {
  const texts = draft.texts[locale] ?? {};
  return {
    ...(texts.name ? { name: texts.name.value } : {}),
    ...(texts.slug ? { slug: texts.slug.value } : {}),
    ...(texts.description ? { description: texts.description.value } : {}),
  };
}

function variantInput(variant: VariantDraft): VariantInput {
  return { sku: variant.sku, ...(variant.fields as Omit<VariantInput, 'sku'>) };
}

function describeRequired(draft: ProductDraft) {
  return (column: string) => {
    if (column === 'base_price') return 'is required for a new variant.';
    const text = parseTextColumn(column);
    if (text?.kind === 'name') {
      return draft.texts[text.locale]
        ? `is required when slug_${text.locale} or description_${text.locale} is given for a new language.`
        : 'is required for a new product: give its name in at least one language.';
    }
    return 'is required.';
  };
}

async function create(
  tx: Tx,
  draft: ProductDraft,
  references: References,
  source: FieldSource,
): Promise<void> {
  const translations: Record<string, TranslationInput> = {};
  for (const locale of Object.keys(draft.texts))
    translations[locale] = givenTexts(draft, locale) as TranslationInput;
  const body = {
    externalId: draft.externalId,
    ...givenProductFields(draft, references),
    translations,
    variants: draft.variants.map(variantInput),
  } satisfies ProductCreateBody;
  const createSource = { ...source, variantRows: draft.variants.map((v) => v.row) };
  const problems = schemaProblems(ProductCreateBody, body, createSource, describeRequired(draft));
  if (problems.length > 0) throw new RowProblems(problems);
  await service(() => createProduct(tx, body), createSource);
}

/** Applies what differs from the stored product; false when nothing did (nothing is written). */
async function update(
  tx: Tx,
  productId: string,
  draft: ProductDraft,
  references: References,
  source: FieldSource,
): Promise<boolean> {
  // Locked first, so the comparison below is against what the update will change.
  const current = await lockLiveProduct(tx, productId);
  const texts = (await translationsOf(tx, PRODUCT_TEXTS, [productId])).get(productId) ?? {};
  const variants = new Map((await liveVariantsOf(tx, productId)).map((v) => [v.sku, v]));

  const given = {
    ...givenProductFields(draft, references),
    translations: {} as Record<string, TranslationPatch>,
  };
  for (const locale of Object.keys(draft.texts)) given.translations[locale] = givenTexts(draft, locale);
  const problems = schemaProblems(ProductPatchBody, given, source, describeRequired(draft));
  for (const variant of draft.variants) {
    const existing = variants.has(variant.sku);
    problems.push(
      ...schemaProblems(
        existing ? VariantPatch : VariantInput,
        variantInput(variant),
        { ...source, variantRow: variant.row },
        describeRequired(draft),
      ),
    );
  }
  if (problems.length > 0) throw new RowProblems(problems);

  const patch: ProductPatchBody = {};
  if (given.status !== undefined && given.status !== current.status) patch.status = given.status;
  if (given.brandId !== undefined && given.brandId !== current.brandId) patch.brandId = given.brandId;
  if (given.unit !== undefined && given.unit !== current.unit) patch.unit = given.unit;
  if (given.taxRate !== undefined && !sameDecimal(given.taxRate, current.taxRate))
    patch.taxRate = given.taxRate;
  if (
    given.minOrderQuantity !== undefined &&
    !sameDecimal(given.minOrderQuantity, current.minOrderQuantity)
  ) {
    patch.minOrderQuantity = given.minOrderQuantity;
  }
  if (given.orderMultiple !== undefined && !sameDecimal(given.orderMultiple, current.orderMultiple)) {
    patch.orderMultiple = given.orderMultiple;
  }
  if (given.categoryIds !== undefined) {
    const linked = await tx.db
      .select({ id: productCategories.categoryId })
      .from(productCategories)
      .where(eq(productCategories.productId, productId))
      .orderBy(asc(productCategories.position));
    if (linked.map((l) => l.id).join() !== given.categoryIds.join()) patch.categoryIds = given.categoryIds;
  }
  const textChanges = changedTexts(texts, given.translations);
  if (textChanges) patch.translations = textChanges;

  let changed = false;
  if (Object.keys(patch).length > 0) {
    await service(() => updateProduct(tx, productId, patch), source);
    changed = true;
  }
  for (const variant of draft.variants) {
    const variantSource = { ...source, variantRow: variant.row };
    const existing = variants.get(variant.sku);
    if (!existing) {
      await service(() => addVariant(tx, productId, variantInput(variant)), variantSource);
      changed = true;
      continue;
    }
    const changes = changedVariantFields(existing, variant.fields);
    if (Object.keys(changes).length === 0) continue;
    await service(() => updateVariant(tx, productId, existing.id, changes), variantSource);
    changed = true;
  }
  return changed;
}

function changedTexts(
  stored: TranslationMap,
  given: Record<string, TranslationPatch>,
): Record<string, TranslationPatch> | undefined {
  const changes: Record<string, TranslationPatch> = {};
  for (const [locale, text] of Object.entries(given)) {
    const current = stored[locale];
    if (!current) {
      changes[locale] = text;
      continue;
    }
    const change: TranslationPatch = {};
    if (text.name !== undefined && text.name !== current.name) change.name = text.name;
    if (text.slug !== undefined && text.slug !== current.slug) change.slug = text.slug;
    if (text.description !== undefined && text.description !== current.description)
      change.description = text.description;
    if (Object.keys(change).length > 0) changes[locale] = change;
  }
  return Object.keys(changes).length > 0 ? changes : undefined;
}

function changedVariantFields(current: VariantRow, fields: VariantFields): VariantPatch {
  const changes: VariantPatch = {};
  if (fields.barcode !== undefined && fields.barcode !== current.barcode) changes.barcode = fields.barcode;
  if (fields.optionValues !== undefined && !sameOptions(fields.optionValues, current.optionValues)) {
    changes.optionValues = fields.optionValues;
  }
  if (fields.basePrice !== undefined && !sameDecimal(fields.basePrice, current.basePrice))
    changes.basePrice = fields.basePrice;
  if (fields.currency !== undefined && fields.currency !== current.currency)
    changes.currency = fields.currency;
  if (fields.stockQuantity !== undefined && !sameDecimal(fields.stockQuantity, current.stockQuantity)) {
    changes.stockQuantity = fields.stockQuantity;
  }
  if (fields.weightGrams !== undefined && fields.weightGrams !== current.weightGrams)
    changes.weightGrams = fields.weightGrams;
  if (fields.lengthMm !== undefined && fields.lengthMm !== current.lengthMm)
    changes.lengthMm = fields.lengthMm;
  if (fields.widthMm !== undefined && fields.widthMm !== current.widthMm) changes.widthMm = fields.widthMm;
  if (fields.heightMm !== undefined && fields.heightMm !== current.heightMm)
    changes.heightMm = fields.heightMm;
  if (fields.status !== undefined && fields.status !== current.status) {
    changes.status = fields.status as VariantRow['status'];
  }
  return changes;
}

function sameOptions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Runs a service call; its refusal becomes row errors (unexpected failures pass through). */
async function service<T>(call: () => Promise<T>, source: FieldSource): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new RowProblems(serviceProblems(error, source));
  }
}
