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
        summary: 'The signed-in user, with roles and current permissions',
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
        summary: 'Change name, locale or phone',
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
        summary: 'Change the password (needs the current one); ends every other session',
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
        summary: 'Signed-in devices that can still refresh',
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
        summary: 'End one of the signed-in devices',
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
        summary: 'Start setting up an authenticator app',
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
        summary: 'Turn two-factor authentication on with a first code; returns 10 recovery codes, shown once',
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
        summary: 'Turn two-factor authentication off, confirmed by a code or the password',
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
        summary: 'Everything held about me (KVKK / GDPR access)',
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
        summary: 'Erase my personal data (KVKK / GDPR); needs the password, and the 2FA code when on',
        security,
        body: Type.Object(
          { password: Password, code: Type.Optional(Type.String({ maxLength: 20 })) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...problemResponses(401, 403) },
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
