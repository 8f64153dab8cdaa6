/*
 * Which tenant's answers showed an id first. An id of one tenant in an answer to another tenant's
 * request is data that crossed over: row-level security or a query's tenant filter failed.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Free text or someone else's: an external system's own key, who acted (a platform administrator too).
const NOT_OWNED = new Set(['externalId', 'actorId', 'requestId']);

/** The ids an answer names as its things': under `id`, and references (`brandId`, `categoryIds`). */
export function idsIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 12 || value === null || typeof value !== 'object') return out;
  for (const [key, item] of Object.entries(value)) {
    const named = (key === 'id' || /[a-z]Ids?$/.test(key)) && !NOT_OWNED.has(key);
    for (const candidate of Array.isArray(item) ? item : [item]) {
      if (named && typeof candidate === 'string' && UUID.test(candidate)) out.push(candidate.toLowerCase());
    }
    if (item !== null && typeof item === 'object') idsIn(item, out, depth + 1);
  }
  return out;
}

export class TenantWitness {
  private readonly owners = new Map<string, string>();

  /**
   * The first id in an answer for `tenant` that an earlier answer showed another tenant, described;
   * the ids not seen before are noted as this tenant's.
   */
  crossedOver(answer: unknown, tenant: string): string | undefined {
    let foreign: string | undefined;
    for (const id of idsIn(answer)) {
      const owner = this.owners.get(id);
      if (owner === undefined) this.owners.set(id, tenant);
      else if (owner !== tenant && foreign === undefined) foreign = `${id}, first seen in ${owner}'s answers`;
    }
    return foreign;
  }
}
