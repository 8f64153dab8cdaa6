import type { Tx } from '../../db/tx.js';
import { queueEmail } from '../notifications/index.js';
import { getCurrentTenantProfile, getCurrentTenantSettings } from '../tenancy/index.js';
import type { UserRow } from './schema.js';

/** Where the server's own minimal pages for emailed links live, under PUBLIC_URL. */
export const ACCOUNT_PAGES_PATH = '/account';

/**
 * The emails identity sends. Their links point at the tenant's front end — the storefront for
 * customers, the admin panel for staff (tenant settings `links`) — which shows a page that posts the
 * token back to the API (POST /api/v1/auth/verify-email or /auth/reset-password, with X-Tenant).
 * A tenant without front ends configured gets the server's own pages (account-pages.ts). Bodies are
 * plain text in Turkish and English.
 */
async function link(tx: Tx, user: UserRow, path: string, token: string): Promise<string> {
  const links = (await getCurrentTenantSettings(tx)).links ?? {};
  const front = user.kind === 'staff' ? links.adminUrl : links.storefrontUrl;
  const query = `token=${encodeURIComponent(token)}`;
  if (front) return `${front.replace(/\/+$/, '')}${path}?${query}`;
  const { slug } = await getCurrentTenantProfile(tx);
  return `${tx.ctx.runtime.config.publicUrl}${ACCOUNT_PAGES_PATH}${path}?${query}&tenant=${encodeURIComponent(slug)}`;
}

export async function sendVerificationEmail(tx: Tx, user: UserRow, token: string) {
  const url = await link(tx, user, '/verify-email', token);
  return queueEmail(tx, {
    to: user.email,
    subject: 'E-posta adresinizi doğrulayın / Verify your email',
    body: `Merhaba ${user.name},\n\nE-posta adresinizi doğrulamak için: ${url}\nBağlantı 48 saat geçerlidir.\n\nTo verify your email address: ${url}\nThe link is valid for 48 hours.\n`,
    template: 'identity.verify_email',
    data: { token, url, userId: user.id },
    secrets: [token],
  });
}

export async function sendPasswordResetEmail(tx: Tx, user: UserRow, token: string) {
  const url = await link(tx, user, '/reset-password', token);
  return queueEmail(tx, {
    to: user.email,
    subject: 'Şifre sıfırlama / Reset your password',
    body: `Merhaba ${user.name},\n\nŞifrenizi sıfırlamak için: ${url}\nBağlantı 30 dakika geçerlidir. Bu isteği siz yapmadıysanız bu e-postayı yok sayın.\n\nTo reset your password: ${url}\nThe link is valid for 30 minutes. If you did not ask for this, ignore this email.\n`,
    template: 'identity.reset_password',
    data: { token, url, userId: user.id },
    secrets: [token],
  });
}

export async function sendInvitationEmail(tx: Tx, user: UserRow, token: string) {
  const url = await link(tx, user, '/reset-password', token);
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

/** Someone signed up with an address that has an account (sign-up answers them as if it had none). */
export async function sendRegistrationAttemptEmail(tx: Tx, user: UserRow) {
  return queueEmail(tx, {
    to: user.email,
    subject: 'Bu adresle yeniden kayıt denendi / Someone tried to sign up with your address',
    body: `Merhaba ${user.name},\n\nBu e-posta adresiyle yeni bir hesap açılmak istendi; adresin zaten bir hesabı var, bu yüzden yeni hesap açılmadı. Siz yaptıysanız giriş yapın ya da şifrenizi unuttuysanız "Şifremi unuttum" ile yenileyin. Siz yapmadıysanız bir şey yapmanız gerekmez.\n\nSomeone asked to open a new account with this email address; it already has one, so no account was opened. If it was you, sign in, or use "forgot password" to choose a new one. If it was not you, there is nothing to do.\n`,
    template: 'identity.registration_attempt',
    data: { userId: user.id },
  });
}
