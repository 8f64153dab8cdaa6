import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  type AttributeBody,
  assignAttributes,
  auditTrail,
  type CategoryBody,
  createAttribute,
  createCategory,
  createProduct,
  type ProductBody,
  uniqueSku,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

describe('attributes and product attribute values', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;
  let paper: CategoryBody;
  let copyPaper: CategoryBody;
  let other: CategoryBody;
  let attrs: Record<'material' | 'weight' | 'recycled' | 'size' | 'uses' | 'note', AttributeBody>;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  function productBody(attributes: unknown[], extra: Record<string, unknown> = {}) {
    return {
      translations: { tr: { name: 'Fotokopi Kağıdı' } },
      categoryIds: [copyPaper.id],
      variants: [{ sku: uniqueSku(), basePrice: '150' }],
      attributes,
      ...extra,
    };
  }

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, {
      email: 'bayi@ornek.com.tr',
      password: PASSWORD,
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    customer = await signIn(t.app, 'bayi@ornek.com.tr', PASSWORD);
    paper = await createCategory(call, 'Kağıt');
    copyPaper = await createCategory(call, 'Fotokopi', { parentId: paper.id });
    other = await createCategory(call, 'Temizlik');
    attrs = {
      material: await createAttribute(call, {
        code: 'malzeme',
        type: 'text',
        names: { tr: 'Malzeme', en: 'Material' },
      }),
      weight: await createAttribute(call, {
        code: 'gramaj',
        type: 'number',
        names: { tr: 'Gramaj' },
        unit: 'g/m²',
        filterable: true,
      }),
      recycled: await createAttribute(call, {
        code: 'geri-donusumlu',
        type: 'boolean',
        names: { tr: 'Geri dönüşümlü' },
      }),
      size: await createAttribute(call, {
        code: 'ebat',
        type: 'enum',
        names: { tr: 'Ebat' },
        options: [
          { code: 'a4', labels: { tr: 'A4' } },
          { code: 'a3', labels: { tr: 'A3' } },
        ],
      }),
      uses: await createAttribute(call, {
        code: 'kullanim',
        type: 'multi_enum',
        names: { tr: 'Kullanım' },
        options: [
          { code: 'lazer', labels: { tr: 'Lazer yazıcı' } },
          { code: 'murekkep', labels: { tr: 'Mürekkep püskürtmeli' } },
          { code: 'fotokopi', labels: { tr: 'Fotokopi' } },
        ],
      }),
      note: await createAttribute(call, { code: 'not', type: 'text', names: { tr: 'Not' } }),
    };
    await assignAttributes(call, paper.id, [
      { attributeId: attrs.material.id },
      { attributeId: attrs.weight.id, required: true },
    ]);
    await assignAttributes(call, copyPaper.id, [
      { attributeId: attrs.recycled.id },
      { attributeId: attrs.size.id },
      { attributeId: attrs.uses.id },
    ]);
    await assignAttributes(call, other.id, [{ attributeId: attrs.note.id }]);
  });
  afterAll(() => t?.close());

  describe('definitions', () => {
    it('creates attributes with options and lists them, oldest first, with cursors', async () => {
      expect(attrs.size).toMatchObject({
        code: 'ebat',
        type: 'enum',
        name: 'Ebat',
        options: [
          { code: 'a4', label: 'A4' },
          { code: 'a3', label: 'A3' },
        ],
      });
      const first = await call('GET', '/attributes?limit=4', { auth: null });
      expect(first.statusCode).toBe(200);
      const page1 = first.json() as { items: AttributeBody[]; nextCursor: string };
      expect(page1.items.map((a) => a.code)).toEqual(['malzeme', 'gramaj', 'geri-donusumlu', 'ebat']);
      const page2 = (await call('GET', `/attributes?limit=4&cursor=${page1.nextCursor}`)).json() as {
        items: AttributeBody[];
        nextCursor: string | null;
      };
      expect(page2.items.map((a) => a.code)).toEqual(['kullanim', 'not']);
      expect(page2.nextCursor).toBeNull();
      expect((await call('GET', `/attributes/${attrs.material.id}?locale=en`)).json()).toMatchObject({
        name: 'Material',
      });
      expectProblem(await call('GET', '/attributes?cursor=bozuk'), 400, 'request.invalid_cursor');
    });

    it('refuses a taken code, options on non-enum types and bad bodies', async () => {
      const taken = await call('POST', '/attributes', {
        payload: { code: 'gramaj', type: 'text', names: { tr: 'X' } },
      });
      expectProblem(taken, 409, 'catalog.code_taken');
      expect(taken.json()).toMatchObject({ field: 'code' });
      expectProblem(
        await call('POST', '/attributes', {
          payload: {
            code: 'renk2',
            type: 'text',
            names: { tr: 'X' },
            options: [{ code: 'a', labels: { tr: 'A' } }],
          },
        }),
        400,
        'catalog.options_not_allowed',
      );
      const duplicate = await call('POST', '/attributes', {
        payload: {
          code: 'renk3',
          type: 'enum',
          names: { tr: 'X' },
          options: [
            { code: 'a', labels: { tr: 'A' } },
            { code: 'a', labels: { tr: 'B' } },
          ],
        },
      });
      expectProblem(duplicate, 409, 'catalog.code_taken');
      expect(duplicate.json()).toMatchObject({ field: 'options/1/code' });
      for (const payload of [
        { code: 'Büyük', type: 'text', names: { tr: 'X' } },
        { code: 'ok', type: 'date', names: { tr: 'X' } },
        { code: 'ok', type: 'text', names: {} },
        { code: 'ok', type: 'text', names: { tr: 'x'.repeat(201) } },
        { code: "ok'; --", type: 'text', names: { tr: 'X' } },
      ]) {
        expectProblem(await call('POST', '/attributes', { payload }), 400, 'request.validation_failed');
      }
      const [row] = await t.ownerQuery<{ n: string }>(
        "SELECT count(*) AS n FROM attributes WHERE code IN ('renk2', 'renk3', 'ok')",
      );
      expect(row!.n).toBe('0');
      expectProblem(
        await call('POST', '/attributes', {
          auth: customer,
          payload: { code: 'x', type: 'text', names: { tr: 'X' } },
        }),
        403,
        'auth.forbidden',
      );
    });

    it('edits attributes and their options; code and type are fixed', async () => {
      const attribute = await createAttribute(call, {
        code: 'renk',
        type: 'enum',
        names: { tr: 'Renk' },
        options: [{ code: 'mavi', labels: { tr: 'Mavi' } }],
      });
      const edited = await call('PATCH', `/attributes/${attribute.id}`, {
        payload: { names: { tr: 'Renk', en: 'Colour' }, filterable: true },
      });
      expect(edited.json()).toMatchObject({ names: { tr: 'Renk', en: 'Colour' }, filterable: true });
      expectProblem(
        await call('PATCH', `/attributes/${attribute.id}`, { payload: { type: 'text' } }),
        400,
        'request.validation_failed',
      );
      const added = await call('POST', `/attributes/${attribute.id}/options`, {
        payload: { code: 'yesil', labels: { tr: 'Yeşil' } },
      });
      expect(added.statusCode, added.body).toBe(201);
      const withGreen = added.json() as AttributeBody;
      expect(withGreen.options.map((o) => o.code)).toEqual(['mavi', 'yesil']);
      expectProblem(
        await call('POST', `/attributes/${attribute.id}/options`, {
          payload: { code: 'yesil', labels: { tr: 'Y' } },
        }),
        409,
        'catalog.code_taken',
      );
      const green = withGreen.options[1]!;
      const relabelled = await call('PATCH', `/attributes/${attribute.id}/options/${green.id}`, {
        payload: { labels: { tr: 'Koyu Yeşil' } },
      });
      expect((relabelled.json() as AttributeBody).options[1]).toMatchObject({
        code: 'yesil',
        label: 'Koyu Yeşil',
      });
      expectProblem(
        await call('POST', `/attributes/${attrs.material.id}/options`, {
          payload: { code: 'x', labels: { tr: 'X' } },
        }),
        409,
        'catalog.options_not_allowed',
      );
      expectProblem(
        await call('DELETE', `/attributes/${attrs.size.id}/options/${green.id}`),
        404,
        'catalog.attribute_option_not_found',
      );
      expect((await call('DELETE', `/attributes/${attribute.id}/options/${green.id}`)).statusCode).toBe(204);
      expect((await call('DELETE', `/attributes/${attribute.id}`)).statusCode).toBe(204);
      expectProblem(await call('GET', `/attributes/${attribute.id}`), 404, 'catalog.attribute_not_found');
      expect((await auditTrail(t, 'attribute', attribute.id)).map((e) => e.action)).toEqual([
        'attribute.created',
        'attribute.updated',
        'attribute.option_created',
        'attribute.option_updated',
        'attribute.option_deleted',
        'attribute.deleted',
      ]);
    });
  });

  describe('values on products', () => {
    it('stores values of every type, by attribute id or code, including inherited attributes', async () => {
      const product = await createProduct(
        call,
        productBody(
          [
            { code: 'malzeme', value: 'Selüloz' },
            { attributeId: attrs.weight.id, value: 80 },
            { code: 'geri-donusumlu', value: true },
            { code: 'ebat', value: 'a4' },
            { code: 'kullanim', value: ['lazer', 'fotokopi'] },
          ],
          { status: 'active' },
        ),
      );
      const byCode = Object.fromEntries(product.attributes.map((a) => [a.code, a]));
      expect(byCode['malzeme']!.value).toBe('Selüloz');
      expect(byCode['gramaj']).toMatchObject({ value: 80, type: 'number' });
      expect(byCode['geri-donusumlu']!.value).toBe(true);
      expect(byCode['ebat']).toMatchObject({ value: 'a4', options: [{ code: 'a4', label: 'A4' }] });
      expect(byCode['kullanim']).toMatchObject({
        value: ['lazer', 'fotokopi'],
        options: [
          { code: 'lazer', label: 'Lazer yazıcı' },
          { code: 'fotokopi', label: 'Fotokopi' },
        ],
      });
    });

    it('refuses a value of the wrong type with 400 naming the attribute, storing nothing', async () => {
      const [before] = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM products');
      const cases: [unknown, string][] = [
        [{ code: 'gramaj', value: '80' }, 'gramaj'],
        [{ code: 'gramaj', value: true }, 'gramaj'],
        [{ code: 'geri-donusumlu', value: 'evet' }, 'geri-donusumlu'],
        [{ code: 'geri-donusumlu', value: 1 }, 'geri-donusumlu'],
        [{ code: 'ebat', value: 'a5' }, 'ebat'],
        [{ code: 'ebat', value: ['a4'] }, 'ebat'],
        [{ code: 'kullanim', value: 'lazer' }, 'kullanim'],
        [{ code: 'kullanim', value: ['lazer', 'yok'] }, 'kullanim'],
        [{ code: 'kullanim', value: ['lazer', 'lazer'] }, 'kullanim'],
        [{ code: 'kullanim', value: [] }, 'kullanim'],
        [{ code: 'malzeme', value: 42 }, 'malzeme'],
        [{ code: 'malzeme', value: 'x'.repeat(501) }, 'malzeme'],
        [{ code: 'malzeme', value: { nested: true } }, 'malzeme'],
        [{ code: 'malzeme', value: null }, ''],
      ];
      for (const [value, code] of cases) {
        const response = await call('POST', '/products', { payload: productBody([value]) });
        expectProblem(response, 400, 'catalog.invalid_attribute_value');
        const errors = (response.json() as { errors: { in: string; field: string; message: string }[] })
          .errors;
        expect(errors, JSON.stringify(value)).toEqual([
          { in: 'body', field: 'attributes/0/value', message: expect.stringContaining(code) },
        ]);
      }
      // NUL is refused for the whole API, before the attribute rules (kernel/http/invalid-characters.ts).
      const nul = await call('POST', '/products', {
        payload: productBody([{ code: 'malzeme', value: 'a\u0000b' }]),
      });
      expectProblem(nul, 400, 'request.invalid_characters');
      expect(nul.json().errors).toEqual([
        { in: 'body', field: 'attributes/0/value', message: 'contains a NUL character (U+0000)' },
      ]);
      const [after] = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM products');
      expect(after!.n).toBe(before!.n);
    });

    it('lists every bad value at once', async () => {
      const response = await call('POST', '/products', {
        payload: productBody([
          { code: 'gramaj', value: 'ağır' },
          { code: 'ebat', value: 'a4' },
          { code: 'geri-donusumlu', value: 'hayır' },
          { code: 'yok-boyle', value: 1 },
          { code: 'not', value: 'temizlik kategorisinin' },
          { attributeId: attrs.size.id, value: 'a3' },
          { value: 1 },
        ]),
      });
      expectProblem(response, 400, 'catalog.invalid_attribute_value');
      const errors = (response.json() as { errors: { field: string; message: string }[] }).errors;
      expect(errors.map((e) => e.field)).toEqual([
        'attributes/0/value',
        'attributes/2/value',
        'attributes/3/code',
        'attributes/4/code',
        'attributes/5/attributeId',
        'attributes/6',
      ]);
      expect(errors[2]!.message).toBe('no such attribute');
      expect(errors[3]!.message).toContain('not an attribute of the product');
      expect(errors[4]!.message).toContain('given twice');
    });

    it('requires the categories’ required attributes on active products, not on drafts', async () => {
      const missing = await call('POST', '/products', {
        payload: productBody([{ code: 'ebat', value: 'a4' }], { status: 'active' }),
      });
      expectProblem(missing, 400, 'catalog.missing_required_attributes');
      expect(missing.json()).toMatchObject({ errors: [{ in: 'body', field: 'attributes' }] });
      expect((missing.json() as { detail: string }).detail).toContain('gramaj');

      const draft = await createProduct(call, productBody([{ code: 'ebat', value: 'a4' }]));
      expect(draft.status).toBe('draft');
      expectProblem(
        await call('PATCH', `/products/${draft.id}`, { payload: { status: 'active' } }),
        400,
        'catalog.missing_required_attributes',
      );
      const activated = await call('PATCH', `/products/${draft.id}`, {
        payload: {
          status: 'active',
          attributes: [
            { code: 'ebat', value: 'a3' },
            { code: 'gramaj', value: 90.5 },
          ],
        },
      });
      expect(activated.statusCode, activated.body).toBe(200);
      const product = activated.json() as ProductBody;
      expect(product.status).toBe('active');
      expect(Object.fromEntries(product.attributes.map((a) => [a.code, a.value]))).toEqual({
        ebat: 'a3',
        gramaj: 90.5,
      });
    });

    it('drops values the product’s new categories do not use when its categories change', async () => {
      const product = await createProduct(
        call,
        productBody([
          { code: 'gramaj', value: 80 },
          { code: 'ebat', value: 'a4' },
        ]),
      );
      const moved = await call('PATCH', `/products/${product.id}`, { payload: { categoryIds: [paper.id] } });
      expect(moved.statusCode, moved.body).toBe(200);
      expect((moved.json() as ProductBody).attributes.map((a) => a.code)).toEqual(['gramaj']);
      const none = await call('PATCH', `/products/${product.id}`, { payload: { categoryIds: [] } });
      expect((none.json() as ProductBody).attributes).toEqual([]);
    });

    it('removes products’ values when an option or attribute is deleted', async () => {
      const product = await createProduct(
        call,
        productBody([
          { code: 'kullanim', value: ['lazer', 'murekkep'] },
          { code: 'malzeme', value: 'Pamuk' },
        ]),
      );
      const inkjet = attrs.uses.options.find((o) => o.code === 'murekkep')!;
      expect((await call('DELETE', `/attributes/${attrs.uses.id}/options/${inkjet.id}`)).statusCode).toBe(
        204,
      );
      let read = (await call('GET', `/products/${product.id}`)).json() as ProductBody;
      expect(read.attributes.find((a) => a.code === 'kullanim')!.value).toEqual(['lazer']);
      expect((await call('DELETE', `/attributes/${attrs.material.id}`)).statusCode).toBe(204);
      read = (await call('GET', `/products/${product.id}`)).json() as ProductBody;
      expect(read.attributes.map((a) => a.code)).toEqual(['kullanim']);
    });
  });
});
