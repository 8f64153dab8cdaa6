import { Type } from '@sinclair/typebox';
import { Nullable } from '../../../kernel/http/schemas.js';

// Plain string types rather than unions of literals: the response serializer writes them directly,
// where a union makes it test each branch for every value.

const Money = (description: string) => Nullable(Type.String({ description }));

export const ImageUrls = Type.Object(
  {
    original: Type.String(),
    thumb: Nullable(Type.String()),
    medium: Nullable(Type.String()),
    large: Nullable(Type.String()),
  },
  { description: 'Resized variants are null until made; fall back to the original' },
);

export const ProductListingItem = Type.Object({
  id: Type.String(),
  slug: Nullable(Type.String({ description: 'In the requested locale, else another translation' })),
  name: Nullable(Type.String({ description: 'In the requested locale, else another translation' })),
  status: Type.String({ description: 'draft, active or archived' }),
  brand: Nullable(Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() })),
  minPrice: Money('Lowest active variant base price, decimal string; null without an active variant'),
  maxPrice: Money('Highest active variant base price'),
  currency: Nullable(Type.String({ description: 'ISO 4217 code of the prices' })),
  inStock: Type.Boolean(),
  unit: Type.String(),
  minOrderQuantity: Type.String(),
  orderMultiple: Type.String(),
  image: Nullable(ImageUrls),
  variantCount: Type.Integer({
    description: 'Variants the caller can see (active ones for customers and guests)',
  }),
});

const Count = Type.Integer({ minimum: 0 });

export const ProductFacets = Type.Object(
  {
    brands: Type.Array(
      Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String(), count: Count }),
    ),
    attributes: Type.Array(
      Type.Object({
        code: Type.String({ description: 'Filter with attr.<code>' }),
        name: Type.String(),
        type: Type.String({ description: 'enum, multi_enum, boolean or number' }),
        unit: Nullable(Type.String()),
        values: Type.Array(
          Type.Object({
            value: Type.String({ description: 'Option code, or true/false' }),
            label: Nullable(Type.String()),
            count: Count,
          }),
        ),
        range: Nullable(
          Type.Object(
            { min: Type.String(), max: Type.String(), count: Count },
            { description: 'Number attributes: filter with attr.<code>.min / .max' },
          ),
        ),
      }),
    ),
    price: Type.Object({
      min: Money('Lowest price among the products'),
      max: Money('Highest price among the products'),
      buckets: Type.Array(
        Type.Object(
          {
            min: Money('priceMin to pass; null: no lower bound'),
            max: Money('priceMax to pass'),
            count: Count,
          },
          { description: 'count is what the same priceMin/priceMax filter returns' },
        ),
      ),
    }),
  },
  { description: 'Each facet counts with every filter applied except its own' },
);

export const ProductListingPage = Type.Object({
  items: Type.Array(ProductListingItem),
  nextCursor: Nullable(Type.String({ description: 'null on the last page' })),
  total: Nullable(Type.Integer({ description: 'Products matching every filter; with facets only' })),
  facets: Nullable(ProductFacets),
  searchMode: Nullable(
    Type.String({ description: 'With q: exact, or approximate when only close spellings matched' }),
  ),
});
