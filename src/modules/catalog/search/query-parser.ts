import { type Static, Type } from '@sinclair/typebox';
import { Decimal } from 'decimal.js';
import { AppError, type FieldProblem, validationFailed } from '../../../kernel/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../kernel/pagination.js';
import { isUuid } from '../../../kernel/uuid.js';
import { PRODUCT_STATUSES, type ProductStatus } from '../schema.js';
import type { RequestedAttributeFilter } from './attributes.js';
import { decodeListingCursor, type ListingCursor } from './cursor.js';
import { PRODUCT_SORTS, type ProductSort } from './engine.js';
import { parseSearchText, type SearchWord } from './text-query.js';

export const MAX_QUERY_LENGTH = 200;
export const MAX_BRANDS = 50;
export const MAX_ATTRIBUTE_FILTERS = 20;

const PRICE = '^\\d{1,15}(\\.\\d{1,4})?$';
const ATTRIBUTE_KEY = /^attr\.([A-Za-z0-9_-]{1,64})(?:\.(min|max))?$/;

// Lists may come comma-separated (`brand=a,b`), repeated (`brand=a&brand=b`) or both: the query parser
// turns repeats into arrays and validation wraps a single value in one.
const List = (description: string, maxItems: number) =>
  Type.Array(Type.String({ maxLength: 2000 }), { maxItems, description });

/**
 * `GET /products` query. Unknown keys are a 400 naming them; `attr.<code>` keys are the only open set.
 */
export const ProductListingQuerystring = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: MAX_QUERY_LENGTH,
        description:
          'Search words (any letter case, with or without Turkish letters; up to 8 words are used). ' +
          'Every word must match a name, SKU, barcode, brand or description word, or the start of one; ' +
          'words with digits or dashes also match inside SKUs ("KRF-10" finds KRF-1040-B). When nothing ' +
          'matches, close spellings are searched (`searchMode: approximate`).',
      }),
    ),
    category: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'A category id: its products and those of every category below it',
      }),
    ),
    brand: Type.Optional(List('Brand ids, comma-separated or repeated (any of them)', MAX_BRANDS)),
    priceMin: Type.Optional(
      Type.String({
        pattern: PRICE,
        description: 'Products with a price at or above this (their highest variant price)',
      }),
    ),
    priceMax: Type.Optional(
      Type.String({
        pattern: PRICE,
        description: 'Products with a price at or below this (their lowest variant price)',
      }),
    ),
    inStock: Type.Optional(
      Type.Boolean({
        description: 'true: only products with an active variant in stock; false: only those without',
      }),
    ),
    status: Type.Optional(
      List(
        'Staff only: draft, active, archived (comma-separated; default all). Customers and guests see ' +
          'active products only; asking for another status is a 400',
        3,
      ),
    ),
    sort: Type.Optional(
      Type.Union(
        PRODUCT_SORTS.map((sort) => Type.Literal(sort)),
        {
          description:
            'Default: relevance with q, else newest. Price sorts use the lowest variant price; products ' +
            'without a price come last. relevance without q sorts as newest.',
        },
      ),
    ),
    locale: Type.Optional(
      Type.String({
        pattern: '^[a-z]{2,3}(-[A-Z]{2})?$',
        description: 'Language of names and labels (default: the tenant’s); other translations fill gaps',
      }),
    ),
    facets: Type.Optional(
      Type.Boolean({
        description: 'Count facets and the total (default: true on the first page, false after)',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
    cursor: Type.Optional(Type.String({ maxLength: 2000, description: 'nextCursor of the previous page' })),
  },
  {
    additionalProperties: false,
    patternProperties: {
      '^attr\\.[A-Za-z0-9_-]{1,64}$': List(
        'Filterable attribute by code: option codes (any of them) for enums, true/false, or numbers',
        50,
      ),
      '^attr\\.[A-Za-z0-9_-]{1,64}\\.(min|max)$': Type.String({
        maxLength: 40,
        description: 'Lowest or highest value of a number attribute',
      }),
    },
  },
);
export type ProductListingQuerystring = Static<typeof ProductListingQuerystring>;

/** A listing request, checked: what the listing service needs and nothing it must re-validate. */
export interface ListingRequest {
  words: SearchWord[];
  categoryId: string | null;
  brandIds: string[];
  attributes: RequestedAttributeFilter[];
  priceMin: string | null;
  priceMax: string | null;
  inStock: boolean | null;
  statuses: ProductStatus[];
  /** The caller sees unpublished products (staff with products.view). */
  staff: boolean;
  sort: ProductSort;
  cursor: ListingCursor | null;
  limit: number;
  locales: string[];
  facets: boolean;
}

/**
 * What the schema cannot say: ids inside lists, the attribute keys, price order, who may ask for which
 * statuses, and whether the cursor fits the sort. All problems are reported together.
 */
export function parseListingQuery(
  raw: ProductListingQuerystring,
  caller: { staff: boolean; contentLocale: string },
): ListingRequest {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ in: 'querystring', field, message });

  const brandIds = [...new Set(splitList(raw.brand).map((id) => id.toLowerCase()))];
  if (brandIds.some((id) => !isUuid(id))) problem('brand', 'must be brand ids (UUIDs), comma-separated');
  else if (brandIds.length > MAX_BRANDS) problem('brand', `takes at most ${MAX_BRANDS} brands`);

  const statuses = [...new Set(splitList(raw.status))];
  if (statuses.some((s) => !(PRODUCT_STATUSES as readonly string[]).includes(s))) {
    problem('status', `must be among ${PRODUCT_STATUSES.join(', ')}`);
  } else if (!caller.staff && statuses.some((s) => s !== 'active')) {
    // Refused rather than silently narrowed, so a storefront bug asking for drafts shows itself.
    problem('status', 'draft and archived products are shown to staff only');
  }

  const priceMin = raw.priceMin ?? null;
  const priceMax = raw.priceMax ?? null;
  if (priceMin !== null && priceMax !== null && new Decimal(priceMin).greaterThan(priceMax)) {
    problem('priceMax', 'must not be below priceMin');
  }

  const attributes = attributeFilters(raw as Record<string, unknown>, problem);

  const words = parseSearchText(raw.q);
  const requestedSort = raw.sort ?? (words.length > 0 ? 'relevance' : 'newest');
  const sort: ProductSort = requestedSort === 'relevance' && words.length === 0 ? 'newest' : requestedSort;

  // A bad cursor alone is `request.invalid_cursor`; with other bad fields it is listed among them.
  let cursor: ListingCursor | null = null;
  if (raw.cursor !== undefined) {
    try {
      cursor = decodeListingCursor(raw.cursor, sort);
    } catch (error) {
      if (problems.length === 0 || !(error instanceof AppError)) throw error;
      problems.push(...(error.extra['errors'] as FieldProblem[]));
    }
  }

  if (problems.length > 0) throw validationFailed(problems);

  const locales = [raw.locale, raw.locale?.split('-')[0], caller.contentLocale].filter(
    (locale, i, all): locale is string => locale !== undefined && all.indexOf(locale) === i,
  );
  return {
    words,
    categoryId: raw.category?.toLowerCase() ?? null,
    brandIds: brandIds.sort(),
    attributes,
    priceMin,
    priceMax,
    inStock: raw.inStock ?? null,
    statuses:
      statuses.length > 0 ? (statuses as ProductStatus[]) : caller.staff ? [...PRODUCT_STATUSES] : ['active'],
    staff: caller.staff,
    sort,
    cursor,
    limit: raw.limit,
    locales,
    facets: raw.facets ?? cursor === null,
  };
}

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

function attributeFilters(
  raw: Record<string, unknown>,
  problem: (field: string, message: string) => void,
): RequestedAttributeFilter[] {
  const byCode = new Map<string, RequestedAttributeFilter>();
  for (const [key, value] of Object.entries(raw)) {
    const match = ATTRIBUTE_KEY.exec(key);
    if (!match) continue;
    const code = match[1]!;
    const filter = byCode.get(code) ?? { code, values: null, min: null, max: null };
    byCode.set(code, filter);
    if (match[2] === 'min') filter.min = String(value).trim();
    else if (match[2] === 'max') filter.max = String(value).trim();
    else filter.values = [...new Set(splitList(value as string[]))];
  }
  if (byCode.size > MAX_ATTRIBUTE_FILTERS) {
    problem('attr', `at most ${MAX_ATTRIBUTE_FILTERS} attributes can be filtered at once`);
    return [];
  }
  return [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
