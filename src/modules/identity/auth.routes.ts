import { setTimeout } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { withTx } from '../../db/tx.js';
import { AppError } from '../../kernel/errors.js';
import { requireUser } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import {
  completeMfaLogin,
  forgotPassword,
  type LoginOutcome,
  login,
  logout,
  logoutAll,
  refresh,
  register,
  resendVerification,
  resetPassword,
  signInDelay,
  verifyEmail,
} from './auth.service.js';
import { ACCESS_COOKIE, CSRF_COOKIE, checkCsrf, cookiesOf, REFRESH_COOKIE } from './authenticator.js';
import {
  Accepted,
  CookieSession,
  Email,
  Locale,
  LoginResult,
  ModeQuery,
  NewPassword,
  Password,
  PersonName,
  Phone,
  Token,
  TokenPair,
  User,
} from './contracts.js';
import { randomToken } from './secrets.js';
import type { IssuedTokens } from './sessions.service.js';
import { viewOf } from './users.service.js';

export interface AuthRoutesOptions {
  config: Config;
  /** Platform administrators sign in under the platform prefix; sign-up and email flows are tenants' only. */
  platform?: boolean;
}

/** Sign-up, sign-in (token or cookie mode), second factor, refresh, sign-out, password reset, verification. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (
  app,
  { config, platform = false },
) => {
  // Per client address, on top of the general limit: guessing passwords is slow work for an attacker.
  const strict = {
    rateLimit: {
      max: config.rateLimitAuthPerMin,
      timeWindow: 60_000,
      keyGenerator: (r: FastifyRequest) => `a:${r.ip}`,
    },
  };
  const secure = config.publicUrl.startsWith('https:');
  const tags = [platform ? 'platform' : 'auth'];

  app.post(
    '/auth/login',
    {
      config: strict,
      schema: {
        tags,
        operationId: platform ? 'platform.auth.login' : 'auth.login',
        summary: 'Sign in with email and password',
        description:
          'Anyone may call it; rate limited per client address (RATE_LIMIT_AUTH_PER_MIN). Token mode ' +
          'returns an access and a refresh token. `?mode=cookie` sets httpOnly cookies and a CSRF cookie ' +
          'instead. With two-factor authentication on, answers `{mfaRequired, mfaToken}`: finish at POST ' +
          '/auth/mfa. Under /platform, platform administrators sign in, bound to no tenant.',
        headers: TenantHeaders,
        querystring: ModeQuery,
        body: Type.Object(
          {
            email: Type.String({ maxLength: 254 }),
            password: Password,
            remember: Type.Optional(Type.Boolean({ default: false })),
          },
          { additionalProperties: false },
        ),
        response: { 200: LoginResult, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { email, password, remember = false } = request.body;
      // An address with many recent failures waits first (outside any transaction), then is checked.
      const delay = await withTx(request.ctx, signInDelay, { readOnly: true });
      if (delay > 0) await setTimeout(delay);
      const outcome = await withTx(request.ctx, (tx) =>
        login(tx, { email, password, remember, delayed: delay }),
      );
      return answerLogin(reply, outcome, request.query.mode === 'cookie');
    },
  );

  app.post(
    '/auth/mfa',
    {
      config: strict,
      schema: {
        tags,
        operationId: platform ? 'platform.auth.mfa.verify' : 'auth.mfa.verify',
        summary: 'Second step of a sign-in: a TOTP code or a recovery code',
        description:
          'Anyone holding the `mfaToken` a sign-in answered; rate limited per client address. A recovery ' +
          'code works once. Answers as the sign-in does: tokens, or cookies with `?mode=cookie`.',
        headers: TenantHeaders,
        querystring: ModeQuery,
        body: Type.Object(
          { mfaToken: Token, code: Type.String({ minLength: 6, maxLength: 20 }) },
          { additionalProperties: false },
        ),
        response: { 200: LoginResult, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const outcome = await withTx(request.ctx, (tx) =>
        completeMfaLogin(tx, request.body.mfaToken, request.body.code),
      );
      return answerLogin(reply, outcome, request.query.mode === 'cookie');
    },
  );

  app.post(
    '/auth/refresh',
    {
      // Cookie-mode clients send no body at all.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
      schema: {
        tags,
        operationId: platform ? 'platform.auth.refresh' : 'auth.refresh',
        summary: 'Exchange a refresh token for new tokens (the old one stops working)',
        description:
          'Anyone holding a refresh token, in the body or the refresh cookie. Presenting a refresh token ' +
          'that was already used revokes its whole session. In cookie mode the refresh cookie is used and ' +
          'X-CSRF-Token is required.',
        headers: TenantHeaders,
        body: Type.Optional(
          Type.Object({ refreshToken: Type.Optional(Token) }, { additionalProperties: false }),
        ),
        response: { 200: Type.Union([TokenPair, CookieSession]), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refreshToken;
      const fromCookie = fromBody === undefined ? cookiesOf(request)[REFRESH_COOKIE] : undefined;
      if (fromCookie !== undefined) checkCsrf(request);
      const token = fromBody ?? fromCookie;
      if (!token) throw new AppError('auth.invalid_refresh_token', 401, 'Send a refresh token.');
      const outcome = await withTx(request.ctx, (tx) => refresh(tx, token));
      if (!outcome.ok) {
        if (fromCookie !== undefined) clearCookies(reply);
        throw new AppError(
          'auth.invalid_refresh_token',
          401,
          'The refresh token is invalid, used, revoked or expired.',
          {
            reason: outcome.reason,
          },
        );
      }
      return fromCookie !== undefined ? setSessionCookies(reply, outcome.tokens) : outcome.tokens;
    },
  );

  app.post(
    '/auth/logout',
    {
      preValidation: requireUser(),
      schema: {
        tags,
        operationId: platform ? 'platform.auth.logout' : 'auth.logout',
        summary: 'End the current session',
        description:
          'Needs a signed-in user (an access token or the session cookie; not an API key). The session’s ' +
          'refresh token stops working and the session cookies are cleared.',
        security: [{ bearer: [] }],
        response: { 204: Type.Null(), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, (tx) => logout(tx, request.ctx.actor.sessionId!));
      clearCookies(reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/logout-all',
    {
      preValidation: requireUser(),
      schema: {
        tags,
        operationId: platform ? 'platform.auth.logoutAll' : 'auth.logoutAll',
        summary: 'End every session of the signed-in user',
        description:
          'Needs a signed-in user (not an API key). Every session’s refresh token stops working, this ' +
          'one’s too; answers how many sessions ended.',
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ sessionsEnded: Type.Integer() }), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const sessionsEnded = await withTx(request.ctx, (tx) => logoutAll(tx, request.ctx.actor.id!));
      clearCookies(reply);
      return { sessionsEnded };
    },
  );

  if (!platform) {
    // Sign-up, password reset and email verification belong to tenants' users only.
    app.post(
      '/auth/register',
      {
        config: strict,
        schema: {
          tags,
          operationId: 'auth.register',
          summary: 'Customer self-sign-up',
          description:
            'Anyone may call it; rate limited per client address. Creates a customer user, holding no role ' +
            'until it is linked to a customer account. By default it can sign in at once (201 with the user; ' +
            'a taken address answers 409, which sign-in at once cannot hide). Where the tenant requires email ' +
            'verification, the answer is 202 whether or not the address is taken: a new address gets its ' +
            'account and a verification email, a taken one an email to its owner saying someone tried. The ' +
            'tenant may also require staff approval first.',
          headers: TenantHeaders,
          body: Type.Object(
            {
              email: Email,
              password: NewPassword,
              name: PersonName,
              locale: Type.Optional(Locale),
              phone: Type.Optional(Phone),
            },
            { additionalProperties: false },
          ),
          response: { 201: User, 202: Accepted, ...problemResponses(409) },
        },
      },
      async (request, reply) => {
        const answer = await withTx(request.ctx, async (tx) => {
          const outcome = await register(tx, request.body);
          return outcome.kind === 'created' ? viewOf(tx, outcome.user) : null;
        });
        if (answer === null) return reply.code(202).send({ accepted: true as const });
        return reply.code(201).send(answer);
      },
    );

    app.post(
      '/auth/forgot-password',
      {
        config: strict,
        schema: {
          tags,
          operationId: 'auth.forgotPassword',
          summary: 'Email a password reset link',
          description:
            'Anyone may call it; rate limited per client address. Always 202, whether or not the account ' +
            'exists, so it tells no one who has an account.',
          headers: TenantHeaders,
          body: Type.Object({ email: Type.String({ maxLength: 254 }) }, { additionalProperties: false }),
          response: { 202: Accepted, ...problemResponses() },
        },
      },
      async (request, reply) => {
        await withTx(request.ctx, (tx) => forgotPassword(tx, request.body.email));
        return reply.code(202).send({ accepted: true as const });
      },
    );

    app.post(
      '/auth/reset-password',
      {
        config: strict,
        schema: {
          tags,
          operationId: 'auth.resetPassword',
          summary: 'Set a new password with the emailed token; ends every session',
          description:
            'Anyone holding the emailed token; rate limited per client address. Every session of the user ' +
            'ends. A token that is invalid, used or expired is 400 `auth.invalid_token`.',
          headers: TenantHeaders,
          body: Type.Object({ token: Token, password: NewPassword }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...problemResponses() },
        },
      },
      async (request, reply) => {
        await withTx(request.ctx, (tx) => resetPassword(tx, request.body.token, request.body.password));
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/verify-email',
      {
        schema: {
          tags,
          operationId: 'auth.verifyEmail',
          summary: 'Confirm an email address with the emailed token',
          description:
            'Anyone holding the emailed token. A token that is invalid, used or expired is 400 ' +
            '`auth.invalid_token`.',
          headers: TenantHeaders,
          body: Type.Object({ token: Token }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...problemResponses() },
        },
      },
      async (request, reply) => {
        await withTx(request.ctx, (tx) => verifyEmail(tx, request.body.token));
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/resend-verification',
      {
        config: strict,
        schema: {
          tags,
          operationId: 'auth.resendVerification',
          summary: 'Send a new verification link',
          description:
            'Anyone may call it; rate limited per client address. Always 202, whether or not the account ' +
            'exists.',
          headers: TenantHeaders,
          body: Type.Object({ email: Type.String({ maxLength: 254 }) }, { additionalProperties: false }),
          response: { 202: Accepted, ...problemResponses() },
        },
      },
      async (request, reply) => {
        await withTx(request.ctx, (tx) => resendVerification(tx, request.body.email));
        return reply.code(202).send({ accepted: true as const });
      },
    );
  }

  function answerLogin(reply: FastifyReply, outcome: LoginOutcome, cookieMode: boolean) {
    if (outcome.kind === 'denied') throw outcome.error;
    if (outcome.kind === 'mfa') return { mfaRequired: true as const, mfaToken: outcome.mfaToken };
    const { user } = outcome;
    return cookieMode ? { ...setSessionCookies(reply, outcome.tokens), user } : { ...outcome.tokens, user };
  }

  function setSessionCookies(reply: FastifyReply, tokens: IssuedTokens) {
    const csrfToken = randomToken();
    const base = { secure, sameSite: 'lax' as const, path: '/' };
    reply.setCookie(ACCESS_COOKIE, tokens.accessToken, { ...base, httpOnly: true, maxAge: tokens.expiresIn });
    reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
      ...base,
      httpOnly: true,
      path: '/api/v1/auth',
      expires: new Date(tokens.refreshExpiresAt),
    });
    reply.setCookie(CSRF_COOKIE, csrfToken, {
      ...base,
      httpOnly: false,
      expires: new Date(tokens.refreshExpiresAt),
    });
    return {
      expiresIn: tokens.expiresIn,
      refreshExpiresAt: tokens.refreshExpiresAt,
      sessionId: tokens.sessionId,
      csrfToken,
      mfaSetupRequired: tokens.mfaSetupRequired,
    };
  }

  function clearCookies(reply: FastifyReply) {
    reply.clearCookie(ACCESS_COOKIE, { path: '/' });
    reply.clearCookie(REFRESH_COOKIE, { path: '/api/v1/auth' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
  }
};
