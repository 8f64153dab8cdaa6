import { describe, expect, it } from 'vitest';
import { ean13CheckDigit, isValidEan13 } from './barcodes.js';

describe('EAN-13', () => {
  it('accepts barcodes whose check digit matches', () => {
    expect(isValidEan13('4006381333931')).toBe(true);
    expect(isValidEan13('8690504000013')).toBe(true);
    expect(isValidEan13('0000000000000')).toBe(true);
  });

  it('computes the check digit with weights 1 and 3 from the left', () => {
    expect(ean13CheckDigit('400638133393')).toBe(1);
    expect(ean13CheckDigit('869000000000')).toBe(5);
    expect(ean13CheckDigit('978030640615')).toBe(7);
  });

  it('refuses a wrong check digit and anything but 13 digits', () => {
    expect(isValidEan13('4006381333932')).toBe(false);
    expect(isValidEan13('9780306406158')).toBe(false);
    for (const bad of ['400638133393', '40063813339311', '40063813339a1', ' 4006381333931', '']) {
      expect(isValidEan13(bad), bad).toBe(false);
    }
  });

  it('catches every single-digit typo of a valid code', () => {
    const valid = '8690000000005';
    expect(isValidEan13(valid)).toBe(true);
    for (let i = 0; i < 13; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const typo = valid.slice(0, i) + d + valid.slice(i + 1);
        expect(isValidEan13(typo), typo).toBe(false);
      }
    }
  });
});
