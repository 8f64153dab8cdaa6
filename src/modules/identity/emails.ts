import type { Tx } from '../../db/tx.js';
import { queueEmail } from '../notifications/index.js';
import type { UserRow } from './schema.js';

/**
 * The emails identity sends. Links point at the storefront/portal (PUBLIC_URL), which shows a page
 * that posts the token back to the API. Bodies are plain text in Turkish and English.
 */
function link(tx: Tx, path: string, token: string): string {
  return `${tx.ctx.runtime.config.publicUrl}${path}?token=${encodeURIComponent(token)}`;
}

export function sendVerificationEmail(tx: Tx, user: UserRow, token: string) {
  const url = link(tx, '/verify-email', token);
  return queueEmail(tx, {
    to: user.email,
    subject: 'E-posta adresinizi doğrulayın / Verify your email',
    body: `Merhaba ${user.name},\n\nE-posta adresinizi doğrulamak için: ${url}\nBağlantı 48 saat geçerlidir.\n\nTo verify your email address: ${url}\nThe link is valid for 48 hours.\n`,
    template: 'identity.verify_email',
    data: { token, url, userId: user.id },
    secrets: [token],
  });
}

export function sendPasswordResetEmail(tx: Tx, user: UserRow, token: string) {
  const url = link(tx, '/reset-password', token);
  return queueEmail(tx, {
    to: user.email,
    subject: 'Şifre sıfırlama / Reset your password',
    body: `Merhaba ${user.name},\n\nŞifrenizi sıfırlamak için: ${url}\nBağlantı 30 dakika geçerlidir. Bu isteği siz yapmadıysanız bu e-postayı yok sayın.\n\nTo reset your password: ${url}\nThe link is valid for 30 minutes. If you did not ask for this, ignore this email.\n`,
    template: 'identity.reset_password',
    data: { token, url, userId: user.id },
    secrets: [token],
  });
}

export function sendInvitationEmail(tx: Tx, user: UserRow, token: string) {
  const url = link(tx, '/reset-password', token);
  return queueEmail(tx, {
    to: user.email,
    subject: 'Hesabınız oluşturuldu / Your account is ready',
    body: `Merhaba ${user.name},\n\nSizin için bir hesap açıldı. Şifrenizi belirlemek için: ${url}\n\nAn account was created for you. To choose your password: ${url}\n`,
    template: 'identity.invitation',
    data: { token, url, userId: user.id },
    secrets: [token],
  });
}

export function sendNewDeviceEmail(tx: Tx, user: UserRow) {
  const { ip, userAgent } = tx.ctx;
  return queueEmail(tx, {
    to: user.email,
    subject: 'Yeni cihazdan giriş / New sign-in',
    body: `Merhaba ${user.name},\n\nHesabınıza yeni bir cihazdan giriş yapıldı (${userAgent ?? 'bilinmeyen tarayıcı'}, ${ip ?? '?'}). Siz değilseniz şifrenizi değiştirin.\n\nYour account was signed in from a new device (${userAgent ?? 'unknown browser'}, ${ip ?? '?'}). If this was not you, change your password.\n`,
    template: 'identity.new_device',
    data: { userId: user.id, ip, userAgent },
  });
}
