import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/tx.js';
import { type FieldProblem, validationFailed } from '../../../kernel/errors.js';
import type { AttributeFilter, FilterableAttribute } from './engine.js';

/** An `attr.<code>`, `attr.<code>.min` or `attr.<code>.max` filter as the query string gave it. */
export interface RequestedAttributeFilter {
  code: string;
  /** From `attr.<code>=a,b`: option codes, `true`/`false`, or numbers. */
  values: string[] | null;
  min: string | null;
  max: string | null;
}

const NUMBER = /^-?\d{1,15}(\.\d{1,6})?$/;

/**
 * The tenant's filterable attributes with their options, in display order. Text attributes are never
 * filters here (free text is what `q` is for), whatever their flag says.
 */
export async function loadFilterableAttributes(tx: Tx): Promise<FilterableAttribute[]> {
  const result = await tx.db.execute<{
    id: string;
    code: string;
    type: FilterableAttribute['type'];
    names: Record<string, string>;
    unit: string | null;
    position: number;
    options: FilterableAttribute['options'];
  }>(sql`
    SELECT a.id, a.code, a.type, a.names, a.unit, a.position,
           coalesce(json_agg(json_build_object('id', o.id, 'code', o.code, 'labels', o.labels)
                             ORDER BY o.position, o.code) FILTER (WHERE o.id IS NOT NULL), '[]') AS options
      FROM attributes a
      LEFT JOIN attribute_options o ON o.attribute_id = a.id
     WHERE a.filterable AND a.type <> 'text'
     GROUP BY a.id
     ORDER BY a.position, a.code`);
  return result.rows;
}

/**
 * Checks each requested filter against the attribute it names: the code must be a filterable
 * attribute, enum values must be its option codes, booleans `true` or `false`, numbers decimals, and
 * only number attributes take `.min`/`.max`. Every problem is reported at once, as a 400 naming the keys.
 */
export function resolveAttributeFilters(
  requested: readonly RequestedAttributeFilter[],
  attributes: readonly FilterableAttribute[],
): AttributeFilter[] {
  const byCode = new Map(attributes.map((a) => [a.code, a]));
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ in: 'querystring', field, message });
  const filters: AttributeFilter[] = [];
  for (const filter of requested) {
    const key = `attr.${filter.code}`;
    const attribute = byCode.get(filter.code);
    if (!attribute) {
      problem(key, 'is not a filterable attribute of this catalog');
      continue;
    }
    if (attribute.type !== 'number') {
      if (filter.min !== null) problem(`${key}.min`, 'only number attributes take a minimum');
      if (filter.max !== null) problem(`${key}.max`, 'only number attributes take a maximum');
      if (!filter.values?.length) {
        // A misplaced .min/.max is already reported; "needs a value" would only repeat it.
        if (filter.min === null && filter.max === null) problem(key, 'needs a value');
        continue;
      }
    }
    if (attribute.type === 'enum' || attribute.type === 'multi_enum') {
      const options = new Map(attribute.options.map((o) => [o.code, o.id]));
      const unknown = filter.values!.filter((code) => !options.has(code));
      if (unknown.length > 0) {
        problem(key, `has no option ${unknown.map((code) => JSON.stringify(code)).join(', ')}`);
        continue;
      }
      const codes = [...new Set(filter.values!)];
      filters.push({
        attribute,
        kind: 'options',
        optionCodes: codes,
        optionIds: codes.map((c) => options.get(c)!),
      });
    } else if (attribute.type === 'boolean') {
      const [value, ...more] = filter.values!;
      if (more.length > 0 || (value !== 'true' && value !== 'false')) {
        problem(key, 'must be true or false');
        continue;
      }
      filters.push({ attribute, kind: 'boolean', value: value === 'true' });
    } else {
      const bad = [
        ...(filter.values ?? []).filter((v) => !NUMBER.test(v)).map(() => key),
        ...(filter.min !== null && !NUMBER.test(filter.min) ? [`${key}.min`] : []),
        ...(filter.max !== null && !NUMBER.test(filter.max) ? [`${key}.max`] : []),
      ];
      for (const field of new Set(bad)) problem(field, 'must be a decimal number such as 12 or 12.5');
      if (bad.length > 0) continue;
      if (!filter.values?.length && filter.min === null && filter.max === null) {
        problem(key, 'needs a value, a minimum or a maximum');
        continue;
      }
      filters.push({
        attribute,
        kind: 'number',
        values: filter.values?.length ? [...new Set(filter.values)] : null,
        min: filter.min,
        max: filter.max,
      });
    }
  }
  if (problems.length > 0) throw validationFailed(problems);
  return filters;
}
