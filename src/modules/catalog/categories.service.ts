import { and, asc, eq, inArray, isNull, max, ne, type SQL, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { isUuid } from '../../kernel/uuid.js';
import { catalogEntityChanged, productsChanged } from './changes.js';
import type { CategoryAttributesBody, CategoryCreateBody, CategoryPatchBody } from './contracts.js';
import { invalidField, invalidFields, notFound, taken } from './errors.js';
import { productPagesChanged } from './product-pages.js';
import {
  attributes,
  type CategoryRow,
  categories,
  categoryAttributes,
  categoryTranslations,
  productCategories,
  products,
} from './schema.js';
import { type LocaleChoice, pickLocale } from './texts.js';
import {
  CATEGORY_TEXTS,
  insertTranslations,
  patchTranslations,
  type TranslationMap,
  translationsOf,
} from './translations.js';

export interface CategoryNode extends CategoryRow {
  translations: TranslationMap;
}

/**
 * Serialises changes to the shape of one tenant's tree. Two concurrent moves could otherwise each
 * pass the cycle check and together make a loop, and a child could be created under a parent being
 * deleted (parent_id has no foreign key: the tree is kept by these functions).
 */
async function lockTree(tx: Tx): Promise<void> {
  await tx.db.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`carsi.catalog.category_tree:${tx.ctx.tenantId}`}, 0))`,
  );
}

export async function getCategory(tx: Tx, id: string): Promise<CategoryRow> {
  const [row] = await tx.db.select().from(categories).where(eq(categories.id, id)).limit(1);
  if (!row) throw notFound('category');
  return row;
}

async function withTexts(tx: Tx, rows: CategoryRow[]): Promise<CategoryNode[]> {
  const texts = await translationsOf(
    tx,
    CATEGORY_TEXTS,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({ ...row, translations: texts.get(row.id) ?? {} }));
}

/**
 * The whole tree in display order: each category followed by its subtree, siblings by position (then
 * age). One query for the rows and one for their texts, whatever the depth.
 */
export async function categoryTree(tx: Tx): Promise<CategoryNode[]> {
  const nodes = await withTexts(tx, await tx.db.select().from(categories));
  const children = new Map<string | null, CategoryNode[]>();
  for (const node of nodes) {
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  for (const siblings of children.values()) {
    siblings.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
  }
  const ordered: CategoryNode[] = [];
  const visit = (parentId: string | null) => {
    for (const node of children.get(parentId) ?? []) {
      ordered.push(node);
      visit(node.id);
    }
  };
  visit(null);
  return ordered;
}

/** The children of one category (or the roots, with null), by position. */
export async function childCategories(tx: Tx, parentId: string | null): Promise<CategoryNode[]> {
  if (parentId) await getCategory(tx, parentId);
  const rows = await tx.db
    .select()
    .from(categories)
    .where(parentId ? eq(categories.parentId, parentId) : isNull(categories.parentId))
    .orderBy(asc(categories.position), asc(categories.id));
  return withTexts(tx, rows);
}

/**
 * A category by id or by slug in any locale. A slug used in several locales by different categories
 * resolves to the one whose locale is preferred (see pickLocale).
 */
export async function findCategory(tx: Tx, idOrSlug: string, choice: LocaleChoice): Promise<CategoryRow> {
  if (isUuid(idOrSlug)) {
    const [row] = await tx.db.select().from(categories).where(eq(categories.id, idOrSlug)).limit(1);
    if (row) return row;
  }
  const matches = await tx.db
    .select({ id: categoryTranslations.categoryId, locale: categoryTranslations.locale })
    .from(categoryTranslations)
    .where(eq(categoryTranslations.slug, idOrSlug));
  const locale = pickLocale(
    matches.map((m) => m.locale),
    choice,
  );
  const match = matches.find((m) => m.locale === locale);
  if (!match) throw notFound('category');
  return getCategory(tx, match.id);
}

export function toCategoryView(node: CategoryNode, choice: LocaleChoice) {
  const locale = pickLocale(Object.keys(node.translations), choice) ?? choice.locale;
  const text = node.translations[locale];
  return {
    id: node.id,
    parentId: node.parentId,
    ancestorIds: node.ancestorIds,
    depth: node.ancestorIds.length,
    position: node.position,
    locale,
    name: text?.name ?? '',
    slug: text?.slug ?? '',
    description: text?.description ?? null,
    translations: node.translations,
    externalId: node.externalId,
    createdAt: node.createdAt.toISOString(),
    updatedAt: node.updatedAt.toISOString(),
  };
}

export interface CategoryRef {
  id: string;
  name: string;
  slug: string;
}

/** Name and slug in the chosen locale of each category, for breadcrumbs and links. */
export async function categoryRefs(
  tx: Tx,
  ids: readonly string[],
  choice: LocaleChoice,
): Promise<Map<string, CategoryRef>> {
  const texts = await translationsOf(tx, CATEGORY_TEXTS, [...new Set(ids)]);
  const refs = new Map<string, CategoryRef>();
  for (const [id, translations] of texts) refs.set(id, categoryRef(id, translations, choice));
  return refs;
}

/** A category's name and slug in the chosen locale, from its texts per locale. */
export function categoryRef(
  id: string,
  translations: Record<string, { name: string; slug: string }>,
  choice: LocaleChoice,
): CategoryRef {
  const locale = pickLocale(Object.keys(translations), choice);
  const text = locale === undefined ? undefined : translations[locale];
  return { id, name: text?.name ?? '', slug: text?.slug ?? '' };
}

/** One category with its breadcrumbs, children and the attributes its products have. */
export async function categoryDetail(tx: Tx, row: CategoryRow, choice: LocaleChoice) {
  const [node] = await withTexts(tx, [row]);
  const children = await tx.db
    .select({ id: categories.id, position: categories.position })
    .from(categories)
    .where(eq(categories.parentId, row.id))
    .orderBy(asc(categories.position), asc(categories.id));
  const refs = await categoryRefs(tx, [...row.ancestorIds, row.id, ...children.map((c) => c.id)], choice);
  return {
    ...toCategoryView(node!, choice),
    breadcrumbs: [...row.ancestorIds, row.id].flatMap((id) => (refs.has(id) ? [refs.get(id)!] : [])),
    children: children.map((c) => ({
      ...(refs.get(c.id) ?? { id: c.id, name: '', slug: '' }),
      position: c.position,
    })),
    attributes: await inheritedAttributes(tx, row, choice),
  };
}

/**
 * The attributes of a category's products: its own and its ancestors'. An attribute assigned on
 * several levels is listed once, where it is assigned nearest, and is required if any level says so.
 */
async function inheritedAttributes(tx: Tx, row: CategoryRow, choice: LocaleChoice) {
  const path = [row.id, ...[...row.ancestorIds].reverse()];
  const assigned = await tx.db
    .select({
      categoryId: categoryAttributes.categoryId,
      required: categoryAttributes.required,
      position: categoryAttributes.position,
      attribute: attributes,
    })
    .from(categoryAttributes)
    .innerJoin(attributes, eq(attributes.id, categoryAttributes.attributeId))
    .where(inArray(categoryAttributes.categoryId, path));
  assigned.sort((a, b) => path.indexOf(a.categoryId) - path.indexOf(b.categoryId));
  const byAttribute = new Map<string, (typeof assigned)[number] & { anyRequired: boolean }>();
  for (const entry of assigned) {
    const known = byAttribute.get(entry.attribute.id);
    if (known) known.anyRequired ||= entry.required;
    else byAttribute.set(entry.attribute.id, { ...entry, anyRequired: entry.required });
  }
  // Root's attributes first (the general ones), then each level's own, each level by position.
  const level = (categoryId: string) => path.length - path.indexOf(categoryId);
  return [...byAttribute.values()]
    .sort(
      (a, b) =>
        level(a.categoryId) - level(b.categoryId) ||
        a.position - b.position ||
        a.attribute.code.localeCompare(b.attribute.code),
    )
    .map((entry) => {
      const locale = pickLocale(Object.keys(entry.attribute.names), choice);
      return {
        attributeId: entry.attribute.id,
        code: entry.attribute.code,
        type: entry.attribute.type,
        name: locale === undefined ? '' : (entry.attribute.names[locale] ?? ''),
        required: entry.anyRequired,
        position: entry.position,
        categoryId: entry.categoryId,
      };
    });
}

async function assertExternalIdFree(tx: Tx, externalId: string, exceptId?: string): Promise<void> {
  const [other] = await tx.db
    .select({ id: categories.id })
    .from(categories)
    .where(and(eq(categories.externalId, externalId), ...(exceptId ? [ne(categories.id, exceptId)] : [])))
    .limit(1);
  if (other) throw taken('catalog.external_id_taken', 'externalId', 'Another category has this external id.');
}

const siblingsOf = (parentId: string | null): SQL =>
  parentId ? eq(categories.parentId, parentId) : isNull(categories.parentId);

/**
 * The position a category takes among its new siblings: the given one, with the siblings at or after
 * it moved down one place, or else the end of the list.
 */
async function placeAmongSiblings(
  tx: Tx,
  parentId: string | null,
  position: number | undefined,
  selfId: string,
): Promise<number> {
  if (position === undefined) {
    const [last] = await tx.db
      .select({ position: max(categories.position) })
      .from(categories)
      .where(and(siblingsOf(parentId), ne(categories.id, selfId)));
    return last?.position === null || last?.position === undefined ? 0 : last.position + 1;
  }
  await tx.db
    .update(categories)
    .set({ position: sql`${categories.position} + 1` })
    .where(and(siblingsOf(parentId), ne(categories.id, selfId), sql`${categories.position} >= ${position}`));
  return position;
}

/** The parent named in a body, or a 400 naming `parentId`. */
async function parentFor(tx: Tx, parentId: string): Promise<CategoryRow> {
  const [parent] = await tx.db.select().from(categories).where(eq(categories.id, parentId)).limit(1);
  if (!parent) throw invalidField('catalog.invalid_reference', 'parentId', 'no such category');
  return parent;
}

export async function createCategory(tx: Tx, input: CategoryCreateBody): Promise<CategoryRow> {
  await lockTree(tx);
  const parent = input.parentId ? await parentFor(tx, input.parentId) : undefined;
  if (input.externalId) await assertExternalIdFree(tx, input.externalId);
  const id = uuidv7();
  const parentId = parent?.id ?? null;
  const position = await placeAmongSiblings(tx, parentId, input.position, id);
  const [row] = await tx.db
    .insert(categories)
    .values({
      tenantId: tx.ctx.tenantId!,
      id,
      parentId,
      ancestorIds: parent ? [...parent.ancestorIds, parent.id] : [],
      position,
      externalId: input.externalId ?? null,
    })
    .returning();
  const translations = await insertTranslations(tx, CATEGORY_TEXTS, id, input.translations);
  await audit(tx, {
    action: 'category.created',
    entityType: 'category',
    entityId: id,
    after: { ...row, translations },
  });
  await catalogEntityChanged(tx, 'category', id, 'created');
  return row!;
}

/**
 * Changes texts, external id, place among siblings, or parent. Moving under itself or one of its own
 * descendants is a 409; a move rewrites the ancestor paths of the whole moved subtree in one statement.
 */
export async function updateCategory(tx: Tx, id: string, patch: CategoryPatchBody): Promise<CategoryRow> {
  await lockTree(tx);
  const before = await getCategory(tx, id);
  const beforeTexts = (await translationsOf(tx, CATEGORY_TEXTS, [id])).get(id) ?? {};
  if (patch.externalId) await assertExternalIdFree(tx, patch.externalId, id);

  const moving = patch.parentId !== undefined && patch.parentId !== before.parentId;
  let parentId = before.parentId;
  let ancestorIds = before.ancestorIds;
  if (moving) {
    parentId = patch.parentId ?? null;
    if (parentId === id) throw cycle();
    const parent = parentId ? await parentFor(tx, parentId) : undefined;
    if (parent?.ancestorIds.includes(id)) throw cycle();
    ancestorIds = parent ? [...parent.ancestorIds, parent.id] : [];
    // A descendant's path is: the moved category's old ancestors, the moved category, the rest.
    // Its new path keeps the part from the moved category on and puts the new ancestors in front.
    await tx.db
      .update(categories)
      .set({
        ancestorIds: sql`${sql.param(ancestorIds)}::uuid[] || ${categories.ancestorIds}[${before.ancestorIds.length + 1}:]`,
        updatedAt: new Date(),
      })
      .where(sql`${categories.ancestorIds} @> ARRAY[${id}]::uuid[]`);
  }
  const position =
    moving || patch.position !== undefined
      ? await placeAmongSiblings(tx, parentId, patch.position, id)
      : before.position;
  const [after] = await tx.db
    .update(categories)
    .set({
      parentId,
      ancestorIds,
      position,
      ...(patch.externalId !== undefined ? { externalId: patch.externalId } : {}),
      updatedAt: new Date(),
    })
    .where(eq(categories.id, id))
    .returning();
  const translations = patch.translations
    ? await patchTranslations(tx, CATEGORY_TEXTS, id, beforeTexts, patch.translations)
    : beforeTexts;
  await audit(tx, {
    action: moving ? 'category.moved' : 'category.updated',
    entityType: 'category',
    entityId: id,
    before: { ...before, translations: beforeTexts },
    after: { ...after, translations },
  });
  await catalogEntityChanged(tx, 'category', id, 'updated');
  // Its names and place are in the breadcrumbs of every product in its subtree.
  if (moving || patch.translations) await productPagesChanged(tx, await productIdsInSubtree(tx, id));
  return after!;
}

function cycle(): AppError {
  return new AppError(
    'catalog.category_cycle',
    409,
    'A category cannot be moved under itself or under one of its own descendants.',
    { field: 'parentId' },
  );
}

/** Deletes a category with no children; its products stay, without this category. */
export async function deleteCategory(tx: Tx, id: string): Promise<void> {
  await lockTree(tx);
  const before = await getCategory(tx, id);
  const [child] = await tx.db
    .select({ id: categories.id })
    .from(categories)
    .where(eq(categories.parentId, id))
    .limit(1);
  if (child) {
    throw new AppError(
      'catalog.category_has_children',
      409,
      'This category has subcategories; move or delete them first.',
    );
  }
  const linked = await tx.db
    .select({ id: productCategories.productId })
    .from(productCategories)
    .innerJoin(products, eq(products.id, productCategories.productId))
    .where(and(eq(productCategories.categoryId, id), isNull(products.deletedAt)));
  const translations = (await translationsOf(tx, CATEGORY_TEXTS, [id])).get(id);
  await tx.db.delete(categories).where(eq(categories.id, id));
  await audit(tx, {
    action: 'category.deleted',
    entityType: 'category',
    entityId: id,
    before: { ...before, translations },
  });
  await catalogEntityChanged(tx, 'category', id, 'deleted');
  await productsChanged(
    tx,
    linked.map((l) => l.id),
    'updated',
  );
}

/**
 * Replaces the attributes a category's products have. Values products already hold are kept; they
 * are checked against the new rules the next time each product is edited.
 */
export async function setCategoryAttributes(
  tx: Tx,
  id: string,
  items: CategoryAttributesBody,
): Promise<void> {
  const [category] = await tx.db
    .select()
    .from(categories)
    .where(eq(categories.id, id))
    .for('update')
    .limit(1);
  if (!category) throw notFound('category');
  const ids = items.map((i) => i.attributeId);
  const found = ids.length
    ? await tx.db.select({ id: attributes.id }).from(attributes).where(inArray(attributes.id, ids))
    : [];
  const known = new Set(found.map((f) => f.id));
  const seen = new Set<string>();
  const problems = items.flatMap((item, i) => {
    const problem = !known.has(item.attributeId)
      ? 'no such attribute'
      : seen.has(item.attributeId)
        ? 'is given twice'
        : undefined;
    seen.add(item.attributeId);
    return problem ? [{ field: `${i}/attributeId`, message: problem }] : [];
  });
  if (problems.length > 0) {
    throw invalidFields('catalog.invalid_reference', 'Some attributes cannot be assigned.', problems);
  }
  const before = await tx.db.select().from(categoryAttributes).where(eq(categoryAttributes.categoryId, id));
  await tx.db.delete(categoryAttributes).where(eq(categoryAttributes.categoryId, id));
  const after =
    items.length === 0
      ? []
      : await tx.db
          .insert(categoryAttributes)
          .values(
            items.map((item, i) => ({
              tenantId: tx.ctx.tenantId!,
              categoryId: id,
              attributeId: item.attributeId,
              required: item.required ?? false,
              position: item.position ?? i,
            })),
          )
          .returning();
  await audit(tx, { action: 'category.attributes_set', entityType: 'category', entityId: id, before, after });
  await catalogEntityChanged(tx, 'category', id, 'updated');
}

/** The live products in a category or any category below it. */
async function productIdsInSubtree(tx: Tx, categoryId: string): Promise<string[]> {
  const { rows } = await tx.client.query<{ id: string }>(
    `SELECT DISTINCT pc.product_id AS id
       FROM product_categories pc
       JOIN categories c ON c.id = pc.category_id
       JOIN products p ON p.id = pc.product_id AND p.deleted_at IS NULL
      WHERE c.id = $1 OR c.ancestor_ids @> ARRAY[$1]::uuid[]`,
    [categoryId],
  );
  return rows.map((r) => r.id);
}
