import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Nullable } from '../../kernel/http/schemas.js';
import { ATTRIBUTE_TYPES, PRODUCT_STATUSES, VARIANT_STATUSES } from './schema.js';
import { MAX_SLUG_LENGTH, SLUG_PATTERN } from './slugs.js';

// Every string is bounded and every pattern anchored: a bad value is a 400 before any work is done.
// Free texts exclude NUL, which PostgreSQL cannot store in text or jsonb (it would otherwise be a 500);
// names and labels are single-line.
const SINGLE_LINE = '^[^\\u0000-\\u001f\\u007f]*$';
const NO_NUL = '^[^\\u0000]*$';

/** A string that must be one of `values` (`enum` keeps the OpenAPI document and the errors short). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const LOCALE_PATTERN = '^[a-z]{2}(-[A-Z]{2})?$';
export const Locale = Type.String({
  pattern: LOCALE_PATTERN,
  maxLength: 5,
  description: 'Language code, optionally with a region: tr, en, de-DE',
});
export const Uuid = Type.String({ format: 'uuid' });
export const Slug = Type.String({
  minLength: 1,
  maxLength: MAX_SLUG_LENGTH,
  pattern: SLUG_PATTERN,
  description: 'Lower-case letters a–z, digits and single dashes: kraft-kutu-olculu',
});
/** A name has at least one visible character ("   " would make an invisible product). */
export const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]*$',
});
export const Description = Type.String({ maxLength: 20_000, pattern: NO_NUL });
export const Label = Type.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE });
/** A search text in a query string. */
export const SearchText = Type.String({ minLength: 1, maxLength: 100, pattern: SINGLE_LINE });
/** Attribute and option codes: stable identifiers for integrations and URLs of filters. */
export const Code = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Lower-case letters, digits, _ and -: malzeme, a4, kirmizi',
});
export const ExternalId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: SINGLE_LINE,
  description: 'The id in the merchant’s ERP; unique per tenant',
});
export const Sku = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$',
  description: 'Letters, digits and . _ / - (case-sensitive); unique per tenant among live variants',
});
export const Barcode = Type.String({
  pattern: '^[0-9]{13}$',
  description: 'EAN-13, check digit included (checked)',
});
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code (checked)' });
export const Money = Type.String({
  pattern: '^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,4})?$',
  description: 'Decimal string, at most 4 decimals: "19.99"',
});
/** Quantities the schema requires to be > 0 (the look-ahead demands a non-zero digit). */
export const PositiveQuantity = Type.String({
  pattern: '^(?=.*[1-9])(0|[1-9][0-9]{0,10})(\\.[0-9]{1,3})?$',
  description: 'Decimal string > 0, at most 3 decimals: "50", "0.5"',
});
export const Quantity = Type.String({
  pattern: '^(0|[1-9][0-9]{0,10})(\\.[0-9]{1,3})?$',
  description: 'Decimal string ≥ 0, at most 3 decimals',
});
export const TaxRate = Type.String({
  pattern: '^(100(\\.0{1,2})?|[0-9]{1,2}(\\.[0-9]{1,2})?)$',
  description: 'KDV percent, 0–100, at most 2 decimals: "20", "10", "1", "0"',
});
export const Dimension = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
export const Position = Type.Integer({ minimum: 0, maximum: 1_000_000 });

/** Units of measure a product is sold in. */
export const UNITS = ['adet', 'koli', 'paket', 'kg', 'g', 'lt', 'ml', 'm', 'm2', 'm3'] as const;
export type Unit = (typeof UNITS)[number];
export const UnitOfMeasure = StringEnum(UNITS, {
  description: 'adet (piece), koli (case), paket (pack), kg, g, lt, ml, m, m2, m3',
});
export const ProductStatus = StringEnum(PRODUCT_STATUSES);
export const VariantStatus = StringEnum(VARIANT_STATUSES);
export const AttributeType = StringEnum(ATTRIBUTE_TYPES);

/** An object keyed by locale code. */
export function ByLocale<T extends TSchema>(
  value: T,
  options: { minProperties?: number; description?: string } = {},
) {
  return Type.Record(Type.String({ pattern: LOCALE_PATTERN }), value, {
    additionalProperties: false,
    maxProperties: 20,
    ...options,
  });
}
export const LocalizedLabels = ByLocale(Label, { minProperties: 1, description: 'Text per locale' });
export const LocalizedDescriptions = ByLocale(Description, { description: 'Text per locale' });

export const LocaleQuery = Type.Object(
  {
    locale: Type.Optional(
      Type.String({ ...Locale, description: 'Language of the texts; default the tenant’s content language' }),
    ),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
/**
 * `{id}` of routes that also take a slug. The parameter keeps the name `id` because OpenAPI treats
 * `/products/{idOrSlug}` and `/products/{id}` as the same path and forbids differing names.
 */
export const IdOrSlugParams = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: MAX_SLUG_LENGTH,
      pattern: SLUG_PATTERN,
      description: 'The id, or the slug in any locale',
    }),
  },
  { additionalProperties: false },
);

// --- Products and variants: input ---------------------------------------------------------------

export const OptionValues = Type.Record(
  Type.String(),
  Type.String({ minLength: 1, maxLength: 100, pattern: SINGLE_LINE }),
  {
    maxProperties: 10,
    propertyNames: { minLength: 1, maxLength: 50, pattern: SINGLE_LINE },
    description: 'Option name → value: {"beden": "L", "renk": "Kırmızı"}',
  },
);

const variantFields = {
  sku: Sku,
  barcode: Type.Optional(Nullable(Barcode)),
  optionValues: Type.Optional(OptionValues),
  weightGrams: Type.Optional(Nullable(Dimension)),
  lengthMm: Type.Optional(Nullable(Dimension)),
  widthMm: Type.Optional(Nullable(Dimension)),
  heightMm: Type.Optional(Nullable(Dimension)),
  basePrice: Money,
  currency: Type.Optional(Currency),
  status: Type.Optional(VariantStatus),
  stockQuantity: Type.Optional(Quantity),
  position: Type.Optional(Position),
  externalId: Type.Optional(Nullable(ExternalId)),
};
export const VariantInput = Type.Object(variantFields, { additionalProperties: false });
export type VariantInput = Static<typeof VariantInput>;
export const VariantPatch = Type.Partial(Type.Object(variantFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type VariantPatch = Static<typeof VariantPatch>;

export const AttributeValueInput = Type.Object(
  {
    attributeId: Type.Optional(Uuid),
    code: Type.Optional(Code),
    value: Type.Unknown({
      description:
        'By the attribute’s type: text → string (≤ 500), number → number, boolean → true/false, ' +
        'enum → an option code, multi_enum → an array of option codes',
    }),
  },
  { additionalProperties: false, description: 'One of attributeId or code, and the value' },
);
export type AttributeValueInput = Static<typeof AttributeValueInput>;
export const AttributeValues = Type.Array(AttributeValueInput, {
  maxItems: 100,
  description:
    'The product’s attribute values (replace all); each attribute must belong to one of its categories',
});

const AltTexts = ByLocale(Type.String({ maxLength: 500, pattern: SINGLE_LINE }), {
  description: 'Alternative text per locale',
});

/** Texts of one locale of a product or category. */
export const TranslationInput = Type.Object(
  { name: Name, slug: Type.Optional(Slug), description: Type.Optional(Nullable(Description)) },
  { additionalProperties: false },
);
export type TranslationInput = Static<typeof TranslationInput>;
export const TranslationPatch = Type.Object(
  { name: Type.Optional(Name), slug: Type.Optional(Slug), description: Type.Optional(Nullable(Description)) },
  { additionalProperties: false, minProperties: 1 },
);
export type TranslationPatch = Static<typeof TranslationPatch>;

const productFields = {
  status: Type.Optional(ProductStatus),
  brandId: Type.Optional(Nullable(Uuid)),
  categoryIds: Type.Optional(Type.Array(Uuid, { maxItems: 20, uniqueItems: true })),
  attributes: Type.Optional(AttributeValues),
  taxRate: Type.Optional(TaxRate),
  unit: Type.Optional(UnitOfMeasure),
  minOrderQuantity: Type.Optional(PositiveQuantity),
  orderMultiple: Type.Optional(PositiveQuantity),
  externalId: Type.Optional(Nullable(ExternalId)),
};

export const ProductCreateBody = Type.Object(
  {
    ...productFields,
    translations: ByLocale(TranslationInput, {
      minProperties: 1,
      description: 'Name, optional slug (generated from the name when absent) and description per locale',
    }),
    variants: Type.Array(VariantInput, {
      minItems: 1,
      maxItems: 100,
      description: 'At least one: a product without options has exactly one variant',
    }),
    images: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fileId: Uuid,
            variantSku: Type.Optional(
              Type.String({ ...Sku, description: 'SKU of one of the variants above' }),
            ),
            alt: Type.Optional(AltTexts),
          },
          { additionalProperties: false },
        ),
        { maxItems: 50, description: 'Uploaded public images, in display order' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ProductCreateBody = Static<typeof ProductCreateBody>;

export const ProductPatchBody = Type.Object(
  {
    ...productFields,
    translations: Type.Optional(
      ByLocale(Nullable(TranslationPatch), {
        description: 'Changes per locale; a new locale needs a name; null removes a locale (not the last)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProductPatchBody = Static<typeof ProductPatchBody>;

export const ImageCreateBody = Type.Object(
  {
    fileId: Uuid,
    variantId: Type.Optional(Nullable(Uuid)),
    alt: Type.Optional(AltTexts),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Default: last' })),
  },
  { additionalProperties: false },
);
export type ImageCreateBody = Static<typeof ImageCreateBody>;
export const ImagePatchBody = Type.Object(
  {
    variantId: Type.Optional(Nullable(Uuid)),
    alt: Type.Optional(AltTexts),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ImagePatchBody = Static<typeof ImagePatchBody>;
export const ImageOrderBody = Type.Object(
  {
    imageIds: Type.Array(Uuid, {
      maxItems: 100,
      uniqueItems: true,
      description: 'Every image of the product, in the new order',
    }),
  },
  { additionalProperties: false },
);

// --- Products: output ---------------------------------------------------------------------------

const Timestamp = Type.String({ format: 'date-time' });

export const ImageUrls = Type.Object({
  original: Type.String(),
  thumb: Nullable(Type.String()),
  medium: Nullable(Type.String()),
  large: Nullable(Type.String()),
});

export const CategoryRef = Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() });
export const BrandRef = Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() });

export const Variant = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  barcode: Nullable(Type.String()),
  optionValues: Type.Record(Type.String(), Type.String()),
  weightGrams: Nullable(Type.Integer()),
  lengthMm: Nullable(Type.Integer()),
  widthMm: Nullable(Type.Integer()),
  heightMm: Nullable(Type.Integer()),
  basePrice: Type.String({ description: 'Decimal string with 4 decimals: "19.9900"' }),
  currency: Type.String(),
  status: VariantStatus,
  inStock: Type.Boolean(),
  stockQuantity: Type.Optional(Type.String({ description: 'Shown to staff only' })),
  position: Type.Integer(),
  externalId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ProductImage = Type.Object({
  id: Type.String(),
  fileId: Type.String(),
  variantId: Nullable(Type.String()),
  position: Type.Integer(),
  alt: Type.String({ description: 'In the requested locale ("" when none)' }),
  alts: Type.Record(Type.String(), Type.String()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  urls: ImageUrls,
});

export const ProductAttribute = Type.Object({
  attributeId: Type.String(),
  code: Type.String(),
  type: AttributeType,
  name: Type.String(),
  unit: Nullable(Type.String()),
  filterable: Type.Boolean(),
  value: Type.Unknown({ description: 'string, number, boolean, option code, or array of option codes' }),
  options: Type.Array(Type.Object({ code: Type.String(), label: Type.String() }), {
    description: 'The chosen options with their labels (enum and multi_enum)',
  }),
});

const TranslationView = Type.Object({
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
});

export const ProductDetail = Type.Object({
  id: Type.String(),
  status: ProductStatus,
  locale: Type.String({ description: 'Locale of name, slug and description' }),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  translations: Type.Record(Type.String(), TranslationView),
  brand: Nullable(BrandRef),
  taxRate: Type.String(),
  unit: Type.String(),
  minOrderQuantity: Type.String(),
  orderMultiple: Type.String(),
  externalId: Nullable(Type.String()),
  minPrice: Nullable(Type.String()),
  maxPrice: Nullable(Type.String()),
  inStock: Type.Boolean(),
  variants: Type.Array(Variant),
  images: Type.Array(ProductImage),
  attributes: Type.Array(ProductAttribute),
  categories: Type.Array(
    Type.Composite([
      CategoryRef,
      Type.Object({
        breadcrumbs: Type.Array(CategoryRef, { description: 'Root first, this category last' }),
      }),
    ]),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ProductDetail = Static<typeof ProductDetail>;

// --- Categories ---------------------------------------------------------------------------------

export const CategoryCreateBody = Type.Object(
  {
    parentId: Type.Optional(Nullable(Uuid)),
    translations: ByLocale(TranslationInput, { minProperties: 1 }),
    position: Type.Optional(Type.Integer({ ...Position, description: 'Among its siblings; default last' })),
    externalId: Type.Optional(Nullable(ExternalId)),
  },
  { additionalProperties: false },
);
export type CategoryCreateBody = Static<typeof CategoryCreateBody>;
export const CategoryPatchBody = Type.Object(
  {
    parentId: Type.Optional(Nullable(Uuid)),
    translations: Type.Optional(ByLocale(Nullable(TranslationPatch))),
    position: Type.Optional(Position),
    externalId: Type.Optional(Nullable(ExternalId)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CategoryPatchBody = Static<typeof CategoryPatchBody>;
export const CategoryAttributesBody = Type.Array(
  Type.Object(
    {
      attributeId: Uuid,
      required: Type.Optional(Type.Boolean({ default: false })),
      position: Type.Optional(Position),
    },
    { additionalProperties: false },
  ),
  { maxItems: 200 },
);
export type CategoryAttributesBody = Static<typeof CategoryAttributesBody>;

export const Category = Type.Object({
  id: Type.String(),
  parentId: Nullable(Type.String()),
  ancestorIds: Type.Array(Type.String(), { description: 'Root first, parent last' }),
  depth: Type.Integer({ description: '0 for a root category' }),
  position: Type.Integer(),
  locale: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  translations: Type.Record(Type.String(), TranslationView),
  externalId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const CategoryDetail = Type.Composite([
  Category,
  Type.Object({
    breadcrumbs: Type.Array(CategoryRef, { description: 'Root first, this category last' }),
    children: Type.Array(Type.Composite([CategoryRef, Type.Object({ position: Type.Integer() })])),
    attributes: Type.Array(
      Type.Object({
        attributeId: Type.String(),
        code: Type.String(),
        type: AttributeType,
        name: Type.String(),
        required: Type.Boolean(),
        position: Type.Integer(),
        categoryId: Type.String({ description: 'Where it is assigned: this category or an ancestor' }),
      }),
      { description: 'Attributes of products in this category, including those of its ancestors' },
    ),
  }),
]);

// --- Brands -------------------------------------------------------------------------------------

const brandFields = {
  name: Name,
  slug: Type.Optional(Slug),
  description: Type.Optional(LocalizedDescriptions),
  logoFileId: Type.Optional(Nullable(Uuid)),
  externalId: Type.Optional(Nullable(ExternalId)),
};
export const BrandCreateBody = Type.Object(brandFields, { additionalProperties: false });
export type BrandCreateBody = Static<typeof BrandCreateBody>;
export const BrandPatchBody = Type.Partial(Type.Object(brandFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type BrandPatchBody = Static<typeof BrandPatchBody>;

export const Brand = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String({ description: 'In the requested locale' })),
  descriptions: Type.Record(Type.String(), Type.String()),
  logoFileId: Nullable(Type.String()),
  logo: Nullable(ImageUrls),
  externalId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

// --- Attributes ---------------------------------------------------------------------------------

export const OptionInput = Type.Object(
  { code: Code, labels: LocalizedLabels, position: Type.Optional(Position) },
  { additionalProperties: false },
);
export type OptionInput = Static<typeof OptionInput>;
export const OptionPatchBody = Type.Object(
  { labels: Type.Optional(LocalizedLabels), position: Type.Optional(Position) },
  { additionalProperties: false, minProperties: 1 },
);
export type OptionPatchBody = Static<typeof OptionPatchBody>;

export const AttributeCreateBody = Type.Object(
  {
    code: Code,
    type: AttributeType,
    names: LocalizedLabels,
    unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20, pattern: SINGLE_LINE }))),
    filterable: Type.Optional(Type.Boolean()),
    position: Type.Optional(Position),
    options: Type.Optional(
      Type.Array(OptionInput, { maxItems: 500, description: 'For enum and multi_enum attributes only' }),
    ),
  },
  { additionalProperties: false },
);
export type AttributeCreateBody = Static<typeof AttributeCreateBody>;
export const AttributePatchBody = Type.Object(
  {
    names: Type.Optional(LocalizedLabels),
    unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20, pattern: SINGLE_LINE }))),
    filterable: Type.Optional(Type.Boolean()),
    position: Type.Optional(Position),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Code and type are fixed once created (values and integrations depend on them)',
  },
);
export type AttributePatchBody = Static<typeof AttributePatchBody>;

export const AttributeOption = Type.Object({
  id: Type.String(),
  code: Type.String(),
  label: Type.String({ description: 'In the requested locale' }),
  labels: Type.Record(Type.String(), Type.String()),
  position: Type.Integer(),
});
export const Attribute = Type.Object({
  id: Type.String(),
  code: Type.String(),
  type: AttributeType,
  name: Type.String({ description: 'In the requested locale' }),
  names: Type.Record(Type.String(), Type.String()),
  unit: Nullable(Type.String()),
  filterable: Type.Boolean(),
  position: Type.Integer(),
  options: Type.Array(AttributeOption),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
