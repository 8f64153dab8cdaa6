import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import fastJson from 'fast-json-stringify';
import { withTx } from '../../db/tx.js';
import { requireUser } from '../../kernel/http/guards.js';
import { problemResponses } from '../../kernel/http/schemas.js';
import { sendSerialized } from '../../kernel/http/serialized.js';
import { IdParams, Locale, Me, NewPassword, Password, PersonName, Phone, Session } from './contracts.js';
import {
  changePassword,
  currentUserId,
  endMySession,
  getMe,
  type MeView,
  mySessions,
  updateMe,
} from './me.service.js';
import { disableMfa, enableMfa, setupMfa } from './mfa.service.js';
import { confirmSelfErasure, eraseUser, exportUserData } from './privacy.service.js';
import { getUser } from './users.service.js';

const security: { [scheme: string]: string[] }[] = [{ bearer: [] }];
const tags = ['me'];

// GET /me is read on every page load. Its answer is the schema's serialization of everything but the
// permission list, which (the same few dozen names for every holder of one set of roles) is
// serialized once per list and appended: the same text as serializing the whole of Me.
const serializeWithoutPermissions = fastJson(Type.Omit(Me, ['permissions']) as object) as (
  me: MeView,
) => string;
const permissionListJson = new WeakMap<readonly string[], string>();

export function meJson(me: MeView): string {
  let permissions = permissionListJson.get(me.permissions);
  if (permissions === undefined) {
    permissions = JSON.stringify(me.permissions);
    permissionListJson.set(me.permissions, permissions);
  }
  return `${serializeWithoutPermissions(me).slice(0, -1)},"permissions":${permissions}}`;
}

/** The signed-in user's own account. Every route needs a signed-in user (any kind); API keys have no "me". */
export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preValidation', requireUser());

  app.get(
    '/me',
    {
      schema: {
        tags,
        operationId: 'me.get',
        summary: 'The signed-in user, with roles and current permissions',
        description:
          'Needs a signed-in user of any kind (API keys have no “me”). `permissions` is what the user’s ' +
          'roles allow now: clients decide from it what to show.',
        security,
        response: { 200: Me, ...problemResponses(401) },
      },
    },
    async (request, reply) =>
      sendSerialized(reply, meJson(await withTx(request.ctx, getMe, { readOnly: true }))),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags,
        operationId: 'me.update',
        summary: 'Change name, locale or phone',
        description: 'Needs a signed-in user. Send at least one field; null clears the locale or the phone.',
        security,
        body: Type.Object(
          {
            name: Type.Optional(PersonName),
            locale: Type.Optional(Type.Union([Locale, Type.Null()])),
            phone: Type.Optional(Type.Union([Phone, Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Me, ...problemResponses(401) },
      },
    },
    (request) => withTx(request.ctx, (tx) => updateMe(tx, request.body)),
  );

  app.post(
    '/me/password',
    {
      schema: {
        tags,
        operationId: 'me.password.change',
        summary: 'Change the password (needs the current one); ends every other session',
        description:
          'Needs a signed-in user. A wrong current password is 403 `auth.wrong_password`; the same ' +
          'password again is 400 `auth.same_password`. Answers how many other sessions ended.',
        security,
        body: Type.Object(
          { currentPassword: Password, newPassword: NewPassword },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ sessionsEnded: Type.Integer() }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      sessionsEnded: await withTx(request.ctx, (tx) =>
        changePassword(tx, request.body.currentPassword, request.body.newPassword),
      ),
    }),
  );

  app.get(
    '/me/sessions',
    {
      schema: {
        tags,
        operationId: 'me.sessions.list',
        summary: 'Signed-in devices that can still refresh',
        description:
          'Needs a signed-in user. One entry per session of the user whose refresh token still works.',
        security,
        response: { 200: Type.Object({ items: Type.Array(Session) }), ...problemResponses(401) },
      },
    },
    async (request) => ({ items: await withTx(request.ctx, mySessions, { readOnly: true }) }),
  );

  app.delete(
    '/me/sessions/:id',
    {
      schema: {
        tags,
        operationId: 'me.sessions.delete',
        summary: 'End one of the signed-in devices',
        description:
          'Needs a signed-in user; only their own sessions (any other is 404 `sessions.not_found`). That ' +
          'device can no longer refresh its tokens.',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, (tx) => endMySession(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/2fa/setup',
    {
      schema: {
        tags,
        operationId: 'me.mfa.setup',
        summary: 'Start setting up an authenticator app',
        description:
          'Needs a signed-in user. Answers a new secret and an `otpauth://` URL to show as a QR code; ' +
          'nothing changes until POST /me/2fa/enable confirms a code. 409 `auth.mfa_already_enabled` when ' +
          'it is on already.',
        security,
        response: {
          200: Type.Object({ secret: Type.String(), otpauthUrl: Type.String() }),
          ...problemResponses(401, 409),
        },
      },
    },
    (request) => withTx(request.ctx, async (tx) => setupMfa(tx, await getUser(tx, currentUserId(tx)))),
  );

  app.post(
    '/me/2fa/enable',
    {
      schema: {
        tags,
        operationId: 'me.mfa.enable',
        summary: 'Turn two-factor authentication on with a first code; returns 10 recovery codes, shown once',
        description:
          'Needs a signed-in user who started with POST /me/2fa/setup (else 409 `auth.mfa_not_set_up`). A ' +
          'wrong code is 400 `auth.invalid_mfa_code`. The recovery codes are in this answer only.',
        security,
        body: Type.Object({ code: Type.String({ pattern: '^\\d{6}$' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ recoveryCodes: Type.Array(Type.String()) }),
          ...problemResponses(401, 409),
        },
      },
    },
    async (request) => ({
      recoveryCodes: await withTx(request.ctx, async (tx) =>
        enableMfa(tx, await getUser(tx, currentUserId(tx)), request.body.code),
      ),
    }),
  );

  app.post(
    '/me/2fa/disable',
    {
      schema: {
        tags,
        operationId: 'me.mfa.disable',
        summary: 'Turn two-factor authentication off, confirmed by a code or the password',
        description:
          'Needs a signed-in user, confirmed by a code or the password (a wrong one is 403 ' +
          '`auth.confirmation_failed`). 409 `auth.mfa_not_enabled` when it is off.',
        security,
        body: Type.Object(
          { code: Type.Optional(Type.String({ maxLength: 20 })), password: Type.Optional(Password) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 204: Type.Null(), ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, async (tx) =>
        disableMfa(tx, await getUser(tx, currentUserId(tx)), request.body),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me/data-export',
    {
      schema: {
        tags,
        operationId: 'me.data.export',
        summary: 'Everything held about me (KVKK / GDPR access)',
        description:
          'Needs a signed-in user. One JSON document: the account, its sessions, the API keys it created, ' +
          'the messages sent to it and the audit entries about it or by it.',
        security,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(401) },
      },
    },
    (request) => withTx(request.ctx, (tx) => exportUserData(tx, currentUserId(tx))),
  );

  app.post(
    '/me/erase',
    {
      schema: {
        tags,
        operationId: 'me.erase',
        summary: 'Erase my personal data (KVKK / GDPR); needs the password, and the 2FA code when on',
        description:
          'Needs a signed-in user, the password and, with two-factor authentication on, a code (else 403 ' +
          '`auth.confirmation_failed`). Personal data is removed; the account stays as a pseudonymous ' +
          'record for what the law requires to be kept (invoices, orders, the audit trail). Every session ' +
          'ends. The tenant’s last active super_admin cannot erase itself (409 `users.last_super_admin`).',
        security,
        body: Type.Object(
          { password: Password, code: Type.Optional(Type.String({ maxLength: 20 })) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, async (tx) => {
        const userId = currentUserId(tx);
        await confirmSelfErasure(tx, userId, request.body.password, request.body.code);
        await eraseUser(tx, userId);
      });
      return reply.code(204).send(null);
    },
  );
};
