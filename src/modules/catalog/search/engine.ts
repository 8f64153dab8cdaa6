import type { Tx } from '../../../db/tx.js';
import type { ImageUrls } from '../../files/index.js';
import type { AttributeType, ProductStatus } from '../schema.js';
import type { ListingCursor } from './cursor.js';
import type { SearchWord } from './text-query.js';

export const PRODUCT_SORTS = ['relevance', 'name', '-name', 'price', '-price', 'newest'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

/** A filterable attribute as the tenant defined it (see attributes.ts). */
export interface FilterableAttribute {
  id: string;
  code: string;
  type: Exclude<AttributeType, 'text'>;
  names: Record<string, string>;
  unit: string | null;
  position: number;
  /** Enum and multi-enum choices, in their display order. */
  options: { id: string; code: string; labels: Record<string, string> }[];
}

/** One `attr.<code>…` filter, resolved against the tenant's attributes. */
export type AttributeFilter =
  | { attribute: FilterableAttribute; kind: 'options'; optionIds: string[]; optionCodes: string[] }
  | { attribute: FilterableAttribute; kind: 'boolean'; value: boolean }
  | {
      attribute: FilterableAttribute;
      kind: 'number';
      values: string[] | null;
      min: string | null;
      max: string | null;
    };

/**
 * What a listing asks for, validated and resolved: every id is a UUID, every decimal a decimal string,
 * every attribute a filterable one of this tenant. Engines translate it; they never see raw input.
 */
export interface ProductSearchQuery {
  tenantId: string;
  /** Search words (empty: no text search). */
  words: SearchWord[];
  categoryId: string | null;
  brandIds: string[];
  attributes: AttributeFilter[];
  priceMin: string | null;
  priceMax: string | null;
  inStock: boolean | null;
  /** Statuses shown: `['active']` for customers and guests; staff choose. Deleted products never. */
  statuses: ProductStatus[];
  /** Staff see inactive variants in counts; customers and guests only active ones. */
  includeInactiveVariants: boolean;
  /** `relevance` only with words. */
  sort: ProductSort;
  cursor: ListingCursor | null;
  limit: number;
  /** Locales to take names from, most wanted first; any other translation is the last resort. */
  locales: string[];
  /** Whether to count facets and the total (the first page of a storefront needs them). */
  facets: boolean;
  /** The attributes to count values of: the tenant's filterable ones. */
  facetAttributes: FilterableAttribute[];
}

export interface ProductListingItem {
  id: string;
  slug: string | null;
  name: string | null;
  status: ProductStatus;
  brand: { id: string; name: string; slug: string } | null;
  minPrice: string | null;
  maxPrice: string | null;
  currency: string | null;
  inStock: boolean;
  unit: string;
  minOrderQuantity: string;
  orderMultiple: string;
  image: ImageUrls | null;
  variantCount: number;
}

export interface FacetValue {
  value: string;
  label: string | null;
  count: number;
}

export interface AttributeFacet {
  code: string;
  name: string;
  type: FilterableAttribute['type'];
  unit: string | null;
  /** Options (enum, multi-enum) or `true`/`false` (boolean) with how many products have each. */
  values: FacetValue[];
  /** Lowest and highest value among the products (number attributes). */
  range: { min: string; max: string; count: number } | null;
}

export interface PriceBucket {
  /** Pass as `priceMin` / `priceMax`; null means open-ended. */
  min: string | null;
  max: string | null;
  count: number;
}

/**
 * Counts for narrowing the current result. Each facet applies every filter except its own, so after
 * choosing one brand the others still show how many products they would add.
 */
export interface ProductFacets {
  brands: { id: string; name: string; slug: string; count: number }[];
  attributes: AttributeFacet[];
  price: { min: string | null; max: string | null; buckets: PriceBucket[] };
}

export type SearchMode = 'exact' | 'approximate';

export interface ProductSearchResult {
  items: ProductListingItem[];
  nextCursor: string | null;
  /** Products matching every filter; null when facets were not asked for. */
  total: number | null;
  facets: ProductFacets | null;
  /**
   * With a text query: `exact` when the words as typed matched, `approximate` when nothing did and
   * close spellings were searched instead (a storefront can say "showing results for …"). Null without one.
   */
  searchMode: SearchMode | null;
}

/**
 * Where product listings and searches come from. The PostgreSQL engine is the default; an external
 * engine (Meilisearch, OpenSearch) implements the same two calls: `search` answers a listing, and
 * `productsChanged` hears about every committed catalog change so it can re-index (see docs/SCALING.md).
 */
export interface ProductSearchEngine {
  readonly name: string;
  search(tx: Tx, query: ProductSearchQuery): Promise<ProductSearchResult>;
  /** Products of a tenant changed (all of them when `productIds` is omitted); call after commit. */
  productsChanged(tenantId: string, productIds?: readonly string[]): void;
}
