/**
 * The key two spellings of one address share. Besides ordinary case folding, the Turkish dotted and
 * dotless i (İ, I, ı) all fold to "i": "İLKER@ÖRNEK.COM.TR", "Ilker@örnek.com.tr" and
 * "ilker@örnek.com.tr" are one account, however the user's keyboard capitalised it.
 */
export function emailKey(email: string): string {
  return email.normalize('NFC').trim().replace(/[İIı]/g, 'i').toLowerCase();
}

// Deliberately plain: one @, no spaces, a dot in the domain. The real check is the verification email.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/u;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value.trim());
}
