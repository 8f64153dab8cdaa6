/** Money as stored (`numeric(19,4)`, e.g. "12.5000") to at least two decimals: "12.50", "12.345". */
export function formatMoney(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** A quantity or measure without trailing zeros: "1.000" → "1", "2.500" → "2.5". */
export function formatDecimal(value: string): string {
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

/** The text in the first of `locales` that has one, else in any locale (the catalog may be partly translated). */
export function localizedText(texts: Record<string, string>, locales: readonly string[]): string | null {
  for (const locale of locales) {
    const text = texts[locale];
    if (text) return text;
  }
  const [first] = Object.keys(texts).sort();
  return first === undefined ? null : (texts[first] ?? null);
}
