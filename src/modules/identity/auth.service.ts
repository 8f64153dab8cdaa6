import { and, count, eq, gt } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { type RequestContext, type Runtime, systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { enqueue } from '../../kernel/events/emit.js';
import { getCurrentTenantSettings } from '../tenancy/index.js';
import { emailKey } from './email.js';
import {
  sendNewDeviceEmail,
  sendPasswordResetEmail,
  sendRegistrationAttemptEmail,
  sendVerificationEmail,
} from './emails.js';
import { verifySecondFactor } from './mfa.service.js';
import { consumeOneTimeToken, issueOneTimeToken, peekOneTimeToken } from './one-time-tokens.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { loginFailures, type UserRow, users } from './schema.js';
import {
  type IssuedTokens,
  knownDevice,
  type RefreshOutcome,
  refreshSession,
  revokeSession,
  revokeUserSessions,
  startSession,
} from './sessions.service.js';
import {
  createUser,
  findUserByEmail,
  getUser,
  setPassword,
  type UserView,
  viewOf,
  weakPassword,
} from './users.service.js';

export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
/** Failed sign-ins to one account within the window that lock it. */
export const ACCOUNT_LOCK_THRESHOLD = 10;
/**
 * Failed sign-ins from one address within the window (any accounts) after which every sign-in from
 * it is slowed down. Not refused: behind a proxy without TRUST_PROXY, or behind a company's NAT, one
 * address is many people, and one of them guessing must not lock the others out.
 */
export const ADDRESS_SLOWDOWN_THRESHOLD = 50;
const SLOWDOWN_STEP_MS = 250;
export const MAX_SLOWDOWN_MS = 5_000;

/** How long a sign-in from an address with `failures` recent failures waits before it is checked. */
export function slowdownFor(failures: number): number {
  if (failures < ADDRESS_SLOWDOWN_THRESHOLD) return 0;
  return Math.min(MAX_SLOWDOWN_MS, (failures - ADDRESS_SLOWDOWN_THRESHOLD + 1) * SLOWDOWN_STEP_MS);
}

/**
 * The wait before a sign-in from the request's address is checked (0 for most). The caller waits
 * outside any transaction, so a slowed sign-in holds no connection.
 */
export async function signInDelay(tx: Tx): Promise<number> {
  if (!tx.ctx.ip) return 0;
  const since = new Date(Date.now() - LOCKOUT_WINDOW_MS);
  const [address] = await tx.db
    .select({ n: count() })
    .from(loginFailures)
    .where(and(eq(loginFailures.ip, tx.ctx.ip), gt(loginFailures.at, since)));
  return slowdownFor(address?.n ?? 0);
}

/** The one answer to every failed sign-in, so it tells nothing about which part was wrong. */
export const invalidCredentials = () =>
  new AppError('auth.invalid_credentials', 401, 'The email or password is incorrect.');

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  locale?: string | undefined;
  phone?: string | undefined;
}

export type RegisterOutcome = { kind: 'created'; user: UserRow } | { kind: 'accepted' };

/** What a job done for a request needs to know of it (for its audit entries and emails). */
interface RequestFacts {
  tenantId: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

function factsOf(tx: Tx): RequestFacts {
  const { tenantId, requestId, ip, userAgent } = tx.ctx;
  // Platform credentials leave a request with no tenant; these flows are a tenant's, so that is the
  // caller's mistake, not the server's.
  if (!tenantId) {
    throw new AppError(
      'tenant.required',
      400,
      'Sign-up and the emailed account links belong to a tenant: send them without platform credentials.',
    );
  }
  return { tenantId, requestId, ip, userAgent };
}

/** The unit of work of a job done for a request: the system acting, with the request's facts. */
export function contextOfRequest(runtime: Runtime, facts: RequestFacts): RequestContext {
  return {
    ...systemContext(runtime, facts.tenantId, facts.requestId),
    ip: facts.ip,
    userAgent: facts.userAgent,
  };
}

export const REGISTRATION_TASK = 'identity.registration';
export const PASSWORD_RESET_TASK = 'identity.password-reset';
export const VERIFICATION_TASK = 'identity.verification-resend';

export interface RegistrationJob extends RequestFacts {
  email: string;
  name: string;
  passwordHash: string;
  locale: string | null;
  phone: string | null;
}

/**
 * Customer self-sign-up. The tenant's settings decide whether the user may sign in at once. Where
 * the email must be verified first, a taken address is answered exactly as a new one (202, the same
 * work: the password is checked and hashed, and a job does the rest), and its owner is told someone
 * tried; where sign-up opens the account at once, a taken address cannot be hidden (409).
 */
export async function register(tx: Tx, input: RegisterInput): Promise<RegisterOutcome> {
  const facts = factsOf(tx);
  const auth = (await getCurrentTenantSettings(tx)).auth ?? {};
  if (auth.requireEmailVerification) {
    const problem = passwordProblem(input.password, input.email);
    if (problem) throw weakPassword(problem);
    const job: RegistrationJob = {
      ...facts,
      email: input.email,
      name: input.name,
      passwordHash: await hashPassword(input.password),
      locale: input.locale ?? null,
      phone: input.phone ?? null,
    };
    await enqueue(tx, REGISTRATION_TASK, job);
    return { kind: 'accepted' };
  }
  const status = auth.requireApproval ? 'pending_approval' : 'active';
  const user = await createUser(tx, {
    kind: 'customer',
    email: input.email,
    name: input.name,
    password: input.password,
    status,
    // A self-registered user holds no role until it is linked to a customer account: only its own
    // profile (/me) is its to change.
    roles: [],
    locale: input.locale,
    phone: input.phone,
  });
  await sendVerificationEmail(tx, user, await issueOneTimeToken(tx, user, 'verify_email'));
  await audit(tx, { action: 'auth.registered', entityType: 'user', entityId: user.id, after: { status } });
  return { kind: 'created', user };
}

/** The job behind a sign-up that must verify its email: a new account, or a word to the owner. */
export async function completeRegistration(tx: Tx, job: RegistrationJob): Promise<void> {
  const existing = await findUserByEmail(tx, job.email);
  // The same job run again (it may run twice) finds the account it made: nothing more to do.
  if (existing?.passwordHash === job.passwordHash) return;
  if (existing) {
    if (existing.status !== 'erased') await sendRegistrationAttemptEmail(tx, existing);
    await audit(tx, { action: 'auth.registration_repeated', entityType: 'user', entityId: existing.id });
    return;
  }
  const user = await createUser(tx, {
    kind: 'customer',
    email: job.email,
    name: job.name,
    passwordHash: job.passwordHash,
    status: 'pending_verification',
    roles: [],
    locale: job.locale ?? undefined,
    phone: job.phone ?? undefined,
  });
  await sendVerificationEmail(tx, user, await issueOneTimeToken(tx, user, 'verify_email'));
  await audit(tx, {
    action: 'auth.registered',
    entityType: 'user',
    entityId: user.id,
    after: { status: user.status },
  });
}

export interface LoginInput {
  email: string;
  password: string;
  remember: boolean;
  /** How long the sign-in was held back for its address's failures (recorded in the audit log). */
  delayed?: number;
}

export type LoginOutcome =
  | { kind: 'tokens'; tokens: IssuedTokens; user: UserView }
  | { kind: 'mfa'; mfaToken: string }
  | { kind: 'denied'; error: AppError };

/**
 * Password sign-in. Unknown email, wrong password and a locked account take the same time and give
 * the same 401; failures are recorded per account and per address. The outcome is returned rather
 * than thrown so that the failure record and audit entry commit.
 */
export async function login(tx: Tx, input: LoginInput): Promise<LoginOutcome> {
  const key = emailKey(input.email);
  const locked = await isLocked(tx, key);
  const user = await findUserByEmail(tx, input.email);
  const passwordOk = await verifyPassword(locked ? null : (user?.passwordHash ?? null), input.password);

  if (!passwordOk || !user) {
    if (!locked) await recordFailure(tx, key);
    const nowLocked = !locked && (await isLocked(tx, key));
    await audit(tx, {
      action: locked ? 'auth.login_blocked' : nowLocked ? 'auth.account_locked' : 'auth.login_failed',
      entityType: 'user',
      entityId: user?.id ?? null,
      after: { email: input.email.slice(0, 254), ...(input.delayed ? { delayedMs: input.delayed } : {}) },
    });
    return { kind: 'denied', error: invalidCredentials() };
  }

  const statusError = statusProblem(user);
  if (statusError) {
    await audit(tx, {
      action: 'auth.login_refused',
      entityType: 'user',
      entityId: user.id,
      after: { status: user.status },
    });
    return { kind: 'denied', error: statusError };
  }

  if (user.mfaEnabledAt) {
    const mfaToken = await issueOneTimeToken(tx, user, 'mfa_login');
    await audit(tx, { action: 'auth.mfa_challenged', entityType: 'user', entityId: user.id });
    return { kind: 'mfa', mfaToken: encodeMfaToken(mfaToken, input.remember) };
  }
  return completeLogin(tx, user, input.remember, input.delayed);
}

/** Second step of a sign-in with two-factor authentication: a TOTP code or a recovery code. */
export async function completeMfaLogin(tx: Tx, mfaToken: string, code: string): Promise<LoginOutcome> {
  const decoded = decodeMfaToken(mfaToken);
  const userId = decoded && (await peekOneTimeToken(tx, decoded.token, 'mfa_login'));
  if (!decoded || !userId) {
    return {
      kind: 'denied',
      error: new AppError('auth.invalid_mfa_token', 401, 'The sign-in step has expired; sign in again.'),
    };
  }
  const user = await getUser(tx, userId);
  const accepted = await verifySecondFactor(tx, user, code);
  if (!accepted) {
    await audit(tx, { action: 'auth.mfa_failed', entityType: 'user', entityId: user.id });
    return {
      kind: 'denied',
      error: new AppError('auth.invalid_mfa_code', 401, 'The code is incorrect or was already used.'),
    };
  }
  await consumeOneTimeToken(tx, decoded.token, 'mfa_login');
  const statusError = statusProblem(user);
  if (statusError) return { kind: 'denied', error: statusError };
  return completeLogin(tx, user, decoded.remember);
}

async function completeLogin(tx: Tx, user: UserRow, remember: boolean, delayed = 0): Promise<LoginOutcome> {
  const newDevice = !(await knownDevice(tx, user.id, tx.ctx.userAgent));
  const tokens = await startSession(tx, user, { remember });
  if (newDevice && user.lastLoginAt) await sendNewDeviceEmail(tx, user);
  await audit(tx, {
    action: 'auth.login',
    entityType: 'user',
    entityId: user.id,
    after: {
      sessionId: tokens.sessionId,
      newDevice,
      mfaSetupRequired: tokens.mfaSetupRequired,
      ...(delayed ? { delayedMs: delayed } : {}),
    },
  });
  return { kind: 'tokens', tokens, user: await viewOf(tx, user) };
}

function statusProblem(user: UserRow): AppError | null {
  switch (user.status) {
    case 'active':
      return null;
    case 'pending_verification':
      return new AppError(
        'auth.email_not_verified',
        403,
        'Confirm your email address first; we sent you a link.',
      );
    case 'pending_approval':
      return new AppError('auth.pending_approval', 403, 'Your account is waiting for approval.');
    default:
      return invalidCredentials();
  }
}

/** An account with too many recent failed sign-ins is locked: even its right password is refused. */
async function isLocked(tx: Tx, key: string): Promise<boolean> {
  const since = new Date(Date.now() - LOCKOUT_WINDOW_MS);
  const [account] = await tx.db
    .select({ n: count() })
    .from(loginFailures)
    .where(and(eq(loginFailures.emailKey, key), gt(loginFailures.at, since)));
  return (account?.n ?? 0) >= ACCOUNT_LOCK_THRESHOLD;
}

async function recordFailure(tx: Tx, key: string): Promise<void> {
  await tx.db
    .insert(loginFailures)
    .values({ tenantId: tx.ctx.tenantId, id: uuidv7(), emailKey: key, ip: tx.ctx.ip });
}

// The second-factor token also carries the "remember me" choice of the first step.
function encodeMfaToken(token: string, remember: boolean): string {
  return `${remember ? 'r' : 's'}.${token}`;
}

function decodeMfaToken(value: string): { token: string; remember: boolean } | undefined {
  const match = /^([rs])\.([\w-]{20,100})$/.exec(value);
  return match ? { token: match[2]!, remember: match[1] === 'r' } : undefined;
}

export async function refresh(tx: Tx, refreshToken: string): Promise<RefreshOutcome> {
  return refreshSession(tx, refreshToken);
}

export async function logout(tx: Tx, sessionId: string): Promise<void> {
  const session = await revokeSession(tx, sessionId, 'logout');
  if (session) await audit(tx, { action: 'auth.logout', entityType: 'session', entityId: sessionId });
}

export async function logoutAll(tx: Tx, userId: string): Promise<number> {
  const ended = await revokeUserSessions(tx, userId, 'logout_all');
  await audit(tx, {
    action: 'auth.logout_all',
    entityType: 'user',
    entityId: userId,
    after: { sessions: ended },
  });
  return ended;
}

/**
 * Asks for a reset link. The answer, and the work done before it, are the same whether or not the
 * account exists: the lookup and the email happen in a job.
 */
export async function forgotPassword(tx: Tx, email: string): Promise<void> {
  await enqueue(tx, PASSWORD_RESET_TASK, { ...factsOf(tx), email });
}

/** The job behind forgot-password: a reset link when the account exists and can sign in. */
export async function sendPasswordReset(tx: Tx, email: string): Promise<void> {
  const user = await findUserByEmail(tx, email);
  if (!user || user.status === 'erased' || user.status === 'deactivated') return;
  await sendPasswordResetEmail(tx, user, await issueOneTimeToken(tx, user, 'reset_password'));
  await audit(tx, { action: 'auth.password_reset_requested', entityType: 'user', entityId: user.id });
}

/** Sets a new password from a reset (or invitation) link; ends every session of the user. */
export async function resetPassword(tx: Tx, token: string, password: string): Promise<void> {
  const userId = await consumeOneTimeToken(tx, token, 'reset_password');
  if (!userId)
    throw new AppError('auth.invalid_token', 400, 'The link is invalid, used or expired; ask for a new one.');
  const user = await getUser(tx, userId);
  await setPassword(tx, user, password);
  // Following the emailed link proves the address too.
  if (!user.emailVerifiedAt) {
    await tx.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
  }
  const ended = await revokeUserSessions(tx, user.id, 'password_reset');
  await audit(tx, {
    action: 'auth.password_reset',
    entityType: 'user',
    entityId: user.id,
    after: { sessionsEnded: ended },
  });
}

export async function verifyEmail(tx: Tx, token: string): Promise<void> {
  const userId = await consumeOneTimeToken(tx, token, 'verify_email');
  if (!userId)
    throw new AppError('auth.invalid_token', 400, 'The link is invalid, used or expired; ask for a new one.');
  const user = await getUser(tx, userId);
  const auth = (await getCurrentTenantSettings(tx)).auth ?? {};
  const status =
    user.status === 'pending_verification'
      ? auth.requireApproval
        ? 'pending_approval'
        : 'active'
      : user.status;
  await tx.db
    .update(users)
    .set({ emailVerifiedAt: new Date(), status, updatedAt: new Date() })
    .where(eq(users.id, user.id));
  await audit(tx, {
    action: 'auth.email_verified',
    entityType: 'user',
    entityId: user.id,
    after: { status },
  });
}

/** Asks for a new verification link; answered the same whatever the address (a job does the work). */
export async function resendVerification(tx: Tx, email: string): Promise<void> {
  await enqueue(tx, VERIFICATION_TASK, { ...factsOf(tx), email });
}

/** The job behind resend-verification: a new link when the address is still unverified. */
export async function sendVerificationAgain(tx: Tx, email: string): Promise<void> {
  const user = await findUserByEmail(tx, email);
  if (!user || user.emailVerifiedAt || user.status === 'erased' || user.status === 'deactivated') return;
  await sendVerificationEmail(tx, user, await issueOneTimeToken(tx, user, 'verify_email'));
}
