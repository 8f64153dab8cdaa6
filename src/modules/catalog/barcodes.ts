/**
 * Whether `code` is a valid EAN-13 (GTIN-13): thirteen digits whose last one is the check digit of
 * the first twelve (weights 1, 3, 1, 3, … from the left). Scanners reject a wrong check digit, so a
 * barcode that fails here would be a typo that only shows at the till.
 */
export function isValidEan13(code: string): boolean {
  if (!/^[0-9]{13}$/.test(code)) return false;
  return ean13CheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/** The check digit completing twelve digits to an EAN-13. */
export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}
