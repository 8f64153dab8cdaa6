import { describe, expect, it } from 'vitest';
import { formatDecimal, formatMoney, localizedText } from './format.js';

describe('listing formats', () => {
  it('shows money with at least two decimals and no trailing zeros beyond', () => {
    expect(['12.5000', '12.3450', '1200', '0.0000', '99999999999.9999'].map(formatMoney)).toEqual([
      '12.50',
      '12.345',
      '1200.00',
      '0.00',
      '99999999999.9999',
    ]);
  });

  it('shows quantities without trailing zeros', () => {
    expect(['1.000', '2.500', '10', '100.0'].map(formatDecimal)).toEqual(['1', '2.5', '10', '100']);
  });

  it('takes the first wanted locale with a text, else any', () => {
    expect(localizedText({ tr: 'Kırmızı', en: 'Red' }, ['en', 'tr'])).toBe('Red');
    expect(localizedText({ tr: 'Kırmızı' }, ['en', 'tr'])).toBe('Kırmızı');
    expect(localizedText({ de: 'Rot', fr: 'Rouge' }, ['en'])).toBe('Rot');
    expect(localizedText({}, ['en'])).toBeNull();
  });
});
