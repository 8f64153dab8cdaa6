import { describe, expect, it } from 'vitest';
import { assembleErrors, defineErrors } from './error-registry.js';
import { AppError } from './errors.js';

const shop = defineErrors('Shop', {
  'shop.closed': { status: 409, meaning: 'The shop is closed.' },
  'shop.missing': { status: [404, 400], meaning: 'No such shop.' },
});

describe('defineErrors', () => {
  it('makes an AppError with the status declared for the code', () => {
    const error = shop.error('shop.closed', 'Closed on Sundays.', { opensAt: '09:00' });
    expect(error).toBeInstanceOf(AppError);
    expect([error.code, error.status, error.detail, error.extra]).toEqual([
      'shop.closed',
      409,
      'Closed on Sundays.',
      { opensAt: '09:00' },
    ]);
  });

  it('takes the status first for a code declared with several', () => {
    const error = shop.error('shop.missing', 400, 'Unknown shop in the body.');
    expect([error.code, error.status, error.detail]).toEqual([
      'shop.missing',
      400,
      'Unknown shop in the body.',
    ]);
  });

  it('accepts only declared codes, and only their statuses (checked by tsc)', () => {
    // @ts-expect-error: not a code of the group (and refused when a cast gets it past tsc)
    expect(() => shop.error('shop.unknown', 'x')).toThrow(
      'shop.unknown is not declared in the error group "Shop"',
    );
    // @ts-expect-error: 409 is not a status of shop.missing
    expect(shop.error('shop.missing', 409, 'x').status).toBe(409);
    // @ts-expect-error: shop.closed has one status, given by the group
    expect(shop.error('shop.closed', 409, 'x').status).toBe(409);
  });
});

describe('assembleErrors', () => {
  it('lists every code in the groups’ order with its statuses ascending', () => {
    const other = defineErrors('Other', { internal: { status: 500, meaning: 'Something broke.' } });
    expect(assembleErrors([shop, other])).toEqual([
      { code: 'shop.closed', statuses: [409], meaning: 'The shop is closed.', group: 'Shop' },
      { code: 'shop.missing', statuses: [400, 404], meaning: 'No such shop.', group: 'Shop' },
      { code: 'internal', statuses: [500], meaning: 'Something broke.', group: 'Other' },
    ]);
  });

  it('refuses a code declared twice, a malformed code, a non-error status and a meaning not of one line', () => {
    const again = defineErrors('Again', {
      'shop.closed': { status: 409, meaning: 'Declared again.' },
      'Shop Closed': { status: 409, meaning: 'Not a code.' },
      'shop.fine': { status: 200, meaning: 'Not an error.' },
      'shop.vague': { status: 400, meaning: '  ' },
      'shop.long': { status: 400, meaning: 'One line\nand another.' },
    });
    expect(() => assembleErrors([shop, again])).toThrow(
      [
        'Error declarations are wrong:',
        '- `shop.closed` is declared in "Shop" and again in "Again"',
        '- `Shop Closed` is not a code (lower case words joined by dots)',
        '- `shop.fine` needs HTTP error statuses (400–599), not [200]',
        '- `shop.vague` needs a meaning of one line',
        '- `shop.long` needs a meaning of one line',
      ].join('\n'),
    );
  });
});
