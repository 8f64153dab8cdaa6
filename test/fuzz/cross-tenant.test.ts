import { describe, expect, it } from 'vitest';
import { idsIn, TenantWitness } from './cross-tenant.js';

const A = '01a2517f-3a22-7e04-90cd-9099227267f7';
const B = '01a2517f-509c-70d6-9857-b648c6d4d300';

describe('the cross-tenant witness of the fuzz test', () => {
  it('reads the ids an answer names, not free text that happens to look like one', () => {
    const answer = { items: [{ id: A, brandId: B, categoryIds: [A], externalId: B, actorId: B, name: B }] };
    expect(idsIn(answer)).toEqual([A, B, A]);
  });

  it('tells when an answer to one tenant shows an id an answer to another showed first', () => {
    const witness = new TenantWitness();
    expect(witness.crossedOver({ id: A }, 'demo')).toBeUndefined();
    expect(witness.crossedOver({ items: [{ id: A }, { id: B }] }, 'demo')).toBeUndefined();
    expect(witness.crossedOver({ product: { brandId: B } }, 'rakip')).toBe(
      `${B}, first seen in demo's answers`,
    );
    expect(witness.crossedOver({ externalId: A }, 'rakip')).toBeUndefined();
  });
});
