import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { multipartBody } from '../../modules/files/fixtures.js';

const NUL = '\u0000';
const HIGH = '\ud800';
const LOW = '\udc00';
const HOSTILE = [
  ['a NUL', NUL],
  ['an unpaired high surrogate', HIGH],
  ['an unpaired low surrogate', LOW],
] as const;
// The encoded forms a query string can carry: NUL, a surrogate (CESU-8), an overlong NUL, a lone byte.
const ENCODED = ['%00', '%ED%A0%80', '%C0%80', '%FF'] as const;

interface FieldProblem {
  in: string;
  field: string;
  message: string;
}

describe('refused characters (NUL, unpaired surrogates, undecodable percent-encoding)', () => {
  let t: TestApp;
  let admin: SignedIn;
  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
  });
  afterAll(() => t?.close());

  const rows = async (table: string) =>
    Number((await t.ownerQuery<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  /** 400 request.invalid_characters naming exactly these fields. */
  function expectRefused(
    response: { statusCode: number; body: string; headers: Record<string, unknown> },
    ...fields: Pick<FieldProblem, 'in' | 'field'>[]
  ) {
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(response.body) as { code: string; errors: FieldProblem[]; errorCount: number };
    expect(problem.code).toBe('request.invalid_characters');
    expect(problem.errors.map(({ in: part, field }) => ({ in: part, field }))).toEqual(fields);
    expect(problem.errorCount).toBe(fields.length);
    return problem;
  }

  describe.each(HOSTILE)('JSON bodies with %s', (_name, bad) => {
    it('sign-in and platform sign-in email, without recording a failed sign-in', async () => {
      const failures = await rows('login_failures');
      const audits = await rows('audit_logs');
      for (const url of ['/auth/login', '/platform/auth/login']) {
        const response = await call('POST', url, {
          auth: null,
          payload: { email: `ali${bad}@ornek.com.tr`, password: 'whatever-it-is-1' },
        });
        expectRefused(response, { in: 'body', field: 'email' });
      }
      expect(await rows('login_failures')).toBe(failures);
      expect(await rows('audit_logs')).toBe(audits);
    });

    it('sign-up name, forgot-password and resend-verification email', async () => {
      const users = await rows('users');
      const register = await call('POST', '/auth/register', {
        auth: null,
        payload: { email: 'yeni@ornek.com.tr', password: 'Kestane-Şekeri-2024!', name: `Ayşe${bad}` },
      });
      expectRefused(register, { in: 'body', field: 'name' });
      expect(await rows('users')).toBe(users);
      for (const url of ['/auth/forgot-password', '/auth/resend-verification']) {
        const response = await call('POST', url, { auth: null, payload: { email: `${bad}@ornek.com.tr` } });
        expectRefused(response, { in: 'body', field: 'email' });
      }
    });

    it('PATCH /me name, POST /users name, POST /roles name and description', async () => {
      expectRefused(await call('PATCH', '/me', { payload: { name: `Yönetici${bad}` } }), {
        in: 'body',
        field: 'name',
      });
      expectRefused(
        await call('POST', '/users', { payload: { email: 'personel@ornek.com.tr', name: bad, roles: [] } }),
        { in: 'body', field: 'name' },
      );
      const role = { key: 'depo', audience: 'staff', permissions: [] };
      expectRefused(await call('POST', '/roles', { payload: { ...role, name: `Depo${bad}` } }), {
        in: 'body',
        field: 'name',
      });
      expectRefused(
        await call('POST', '/roles', { payload: { ...role, name: 'Depo', description: `x${bad}y` } }),
        { in: 'body', field: 'description' },
      );
      const me = await call('GET', '/me');
      expect(me.json()).toMatchObject({ email: BOOTSTRAP_ADMIN.email });
      expect(me.json().name).not.toContain(bad);
    });

    it('names keys and values at any depth, as field paths', async () => {
      const response = await call('POST', '/auth/login', {
        auth: null,
        payload: { email: 'a@b.co', password: 'x', deep: { [`k${bad}`]: [1, { 'a/b': bad }] } },
      });
      const problem = expectRefused(
        response,
        { in: 'body', field: 'deep/k\ufffd' },
        { in: 'body', field: 'deep/k\ufffd/1/a~1b' },
      );
      expect(problem.errors[0]?.message).toMatch(/^is a field name that contains/);
    });
  });

  describe('query strings', () => {
    const queries: [string, string][] = [
      ['/users', 'q'],
      ['/audit-logs', 'actorId'],
      ['/audit-logs', 'action'],
      ['/audit-logs', 'entityType'],
      ['/audit-logs', 'entityId'],
      ['/admin/outbound-messages', 'recipient'],
      ['/admin/outbound-messages', 'template'],
    ];
    it.each(queries)('GET %s?%s= in every encoded form', async (path, name) => {
      for (const encoded of ENCODED) {
        const response = await call('GET', `${path}?${name}=ab${encoded}cd`);
        const problem = expectRefused(response, { in: 'querystring', field: name });
        const message = problem.errors[0]?.message;
        expect(message).toBe(
          encoded === '%00' ? 'contains a NUL character (U+0000)' : 'is not valid percent-encoded UTF-8',
        );
      }
    });

    it('refuses a parameter name that decodes to NUL, and lists every bad parameter', async () => {
      const response = await call('GET', '/users?q=%00&%00=1&status=%ED%A0%80');
      expectRefused(
        response,
        { in: 'querystring', field: 'q' },
        { in: 'querystring', field: '\ufffd' },
        { in: 'querystring', field: 'status' },
      );
    });

    it('lets plain and percent-encoded text through: Turkish letters, emoji, RTL marks, a literal %', async () => {
      const text = encodeURIComponent('İstanbul ığdır 😀 \u200f 100%');
      const response = await call('GET', `/users?q=${text}`);
      expect(response.statusCode, response.body).toBe(200);
    });
  });

  it('refuses a path parameter that decodes to NUL, and answers a malformed one as a bad URL', async () => {
    expectRefused(await call('GET', '/users/%00'), { in: 'params', field: 'id' });
    expectRefused(await call('GET', '/files/public/a%00b.png', { auth: null }), { in: 'params', field: '*' });
    const surrogate = await call('GET', '/users/%ED%A0%80');
    expect(surrogate.statusCode).toBe(400);
    expect(surrogate.json().code).toBe('request.bad_url');
  });

  it('refuses headers with such characters (requests made in-process can carry them)', async () => {
    const response = await call('GET', '/tenant', { auth: null, headers: { 'x-tenant': `demo${NUL}` } });
    expectRefused(response, { in: 'headers', field: 'x-tenant' });
    expectRefused(await call('GET', '/tenant', { auth: null, headers: { 'x-request-id': HIGH } }), {
      in: 'headers',
      field: 'x-request-id',
    });
  });

  it('refuses plain-text bodies with a NUL', async () => {
    const response = await call('POST', '/auth/login', {
      auth: null,
      headers: { 'content-type': 'text/plain' },
      payload: `email${NUL}`,
    });
    expectRefused(response, { in: 'body', field: '' });
  });

  it('refuses multipart field names, values and file names', async () => {
    const upload = (parts: Parameters<typeof multipartBody>[0]) => {
      const { payload, headers } = multipartBody(parts);
      return call('POST', '/files', { payload, headers });
    };
    const file = { name: 'file', filename: 'a.csv', contentType: 'text/csv', data: Buffer.from('a,b\n') };
    expectRefused(await upload([{ name: 'purpose', value: `import${NUL}` }, file]), {
      in: 'body',
      field: 'purpose',
    });
    expectRefused(await upload([{ name: `pur${NUL}pose`, value: 'import' }, file]), {
      in: 'body',
      field: 'pur\ufffdpose',
    });
    expectRefused(
      await upload([
        { name: 'purpose', value: 'import' },
        { ...file, filename: `a${NUL}.csv` },
      ]),
      {
        in: 'body',
        field: 'file',
      },
    );
    expect(await rows('files')).toBe(0);
  });

  it('lets paired surrogates (an escaped emoji) and other control characters through', async () => {
    const response = await call('PATCH', '/me', {
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"Çağrı \\ud83d\\ude00 \\u0007 İnce"}',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().name).toBe('Çağrı 😀 \u0007 İnce');
  });

  it('finds a NUL nested ten thousand levels deep without overflowing the stack', async () => {
    const depth = 10_000;
    const payload = `{"email":"a@b.co","password":"x","deep":${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}}`;
    const response = await call('POST', '/auth/login', {
      auth: null,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(400);
    expect(response.json().code).toBe('request.invalid_characters');
  });

  it('lists at most 20 refused fields and counts them all', async () => {
    const payload = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, NUL]));
    const response = await call('POST', '/auth/login', { auth: null, payload });
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem).toMatchObject({ code: 'request.invalid_characters', errorCount: 50 });
    expect(problem.errors).toHaveLength(20);
    expect(problem.detail).toMatch(/in 50 fields\. The first 20 are listed\.$/);
  });
});

describe('validation answers are bounded', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('lists at most 20 bad fields of a body with 30,000 unknown keys, and says how many there were', async () => {
    const payload: Record<string, unknown> = { email: 'a@b.co', password: 'x' };
    for (let i = 0; i < 30_000; i++) payload[`unknown${i}`] = i;
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem).toMatchObject({
      code: 'request.validation_failed',
      errorCount: 30_000,
      detail: 'The request has 30000 invalid fields. The first 20 are listed.',
    });
    expect(problem.errors).toHaveLength(20);
    expect(problem.errors[0]).toEqual({ in: 'body', field: 'unknown0', message: 'is not an allowed field' });
    expect(response.body.length).toBeLessThan(5_000);
  });

  it('still lists every field when there are few, with their count', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'a@b.co' },
    });
    const problem = response.json();
    expect(problem).toMatchObject({ errorCount: 2, detail: 'The request has 2 invalid fields.' });
    expect(problem.errors).toHaveLength(2);
  });
});
