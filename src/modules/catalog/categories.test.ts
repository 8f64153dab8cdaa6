import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  auditTrail,
  type CategoryBody,
  createAttribute,
  createCategory,
  createProduct,
  otherTenantAdmin,
  type ProductBody,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

describe('categories', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  async function ancestorsInDb(id: string): Promise<string[]> {
    const [row] = await t.ownerQuery<{ ancestor_ids: string[]; parent_id: string | null }>(
      'SELECT ancestor_ids, parent_id FROM categories WHERE id = $1',
      [id],
    );
    return row!.ancestor_ids;
  }

  async function tree(query = ''): Promise<CategoryBody[]> {
    const response = await call('GET', `/categories${query}`, { auth: null });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { items: CategoryBody[] }).items;
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
  });
  afterAll(() => t?.close());

  it('builds a tree and lists it depth-first, siblings by position', async () => {
    const kirtasiye = await createCategory(call, 'Kırtasiye');
    const ambalaj = await createCategory(call, 'Ambalaj', { position: 0 });
    const kutular = await createCategory(call, 'Kutular', { parentId: ambalaj.id });
    const bantlar = await createCategory(call, 'Bantlar', { parentId: ambalaj.id });
    const koli = await createCategory(call, 'Koli Kutuları', { parentId: kutular.id });
    expect(koli).toMatchObject({
      parentId: kutular.id,
      ancestorIds: [ambalaj.id, kutular.id],
      depth: 2,
      slug: 'koli-kutulari',
      breadcrumbs: [
        { id: ambalaj.id, name: 'Ambalaj' },
        { id: kutular.id, name: 'Kutular' },
        { id: koli.id, name: 'Koli Kutuları' },
      ],
    });
    const items = await tree();
    expect(items.map((c) => c.name)).toEqual(['Ambalaj', 'Kutular', 'Koli Kutuları', 'Bantlar', 'Kırtasiye']);
    expect(items.map((c) => c.depth)).toEqual([0, 1, 2, 1, 0]);
    expect((await tree(`?parentId=${ambalaj.id}`)).map((c) => c.name)).toEqual(['Kutular', 'Bantlar']);
    expect(kirtasiye.position).toBe(0);
    expectProblem(
      await call('GET', '/categories?parentId=0190f5a2-0000-7000-8000-000000000000'),
      404,
      'catalog.category_not_found',
    );

    const detail = await call('GET', '/categories/ambalaj', { auth: null });
    expect(detail.json()).toMatchObject({
      id: ambalaj.id,
      children: [
        { id: kutular.id, name: 'Kutular' },
        { id: bantlar.id, name: 'Bantlar' },
      ],
    });
    expect((await call('GET', `/categories/${koli.id}`, { auth: customer })).json()).toMatchObject({
      slug: 'koli-kutulari',
    });
  });

  it('makes unique slugs per locale and refuses a given slug that is taken', async () => {
    const a = await createCategory(call, 'Çanta');
    const b = await createCategory(call, 'ÇANTA');
    expect([a.slug, b.slug]).toEqual(['canta', 'canta-2']);
    const taken = await call('POST', '/categories', {
      payload: { translations: { tr: { name: 'X', slug: 'canta' } } },
    });
    expectProblem(taken, 409, 'catalog.slug_taken');
    expect(taken.json()).toMatchObject({ field: 'translations/tr/slug' });
    const renamed = await call('PATCH', `/categories/${b.id}`, {
      payload: { translations: { tr: { slug: 'canta' } } },
    });
    expectProblem(renamed, 409, 'catalog.slug_taken');
  });

  it('refuses to move a category under itself or its descendant with 409', async () => {
    const a = await createCategory(call, 'Döngü A');
    const b = await createCategory(call, 'Döngü B', { parentId: a.id });
    const c = await createCategory(call, 'Döngü C', { parentId: b.id });
    for (const parentId of [a.id, b.id, c.id]) {
      const response = await call('PATCH', `/categories/${a.id}`, { payload: { parentId } });
      expectProblem(response, 409, 'catalog.category_cycle');
      expect(response.json()).toMatchObject({ field: 'parentId' });
    }
    expect(await ancestorsInDb(c.id)).toEqual([a.id, b.id]);
    expectProblem(
      await call('PATCH', `/categories/${a.id}`, {
        payload: { parentId: '0190f5a2-0000-7000-8000-000000000000' },
      }),
      400,
      'catalog.invalid_reference',
    );
  });

  it('moves a subtree: every descendant’s ancestor path is rewritten', async () => {
    const x = await createCategory(call, 'Taşıma X');
    const y = await createCategory(call, 'Taşıma Y');
    const y1 = await createCategory(call, 'Taşıma Y1', { parentId: y.id });
    const a = await createCategory(call, 'Taşıma A', { parentId: x.id });
    const b = await createCategory(call, 'Taşıma B', { parentId: a.id });
    const c = await createCategory(call, 'Taşıma C', { parentId: b.id });
    const untouched = await createCategory(call, 'Taşıma X2', { parentId: x.id });

    const moved = await call('PATCH', `/categories/${a.id}`, { payload: { parentId: y1.id } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ parentId: y1.id, ancestorIds: [y.id, y1.id], depth: 2 });
    expect(await ancestorsInDb(a.id)).toEqual([y.id, y1.id]);
    expect(await ancestorsInDb(b.id)).toEqual([y.id, y1.id, a.id]);
    expect(await ancestorsInDb(c.id)).toEqual([y.id, y1.id, a.id, b.id]);
    expect(await ancestorsInDb(untouched.id)).toEqual([x.id]);

    // And back to the top: a root keeps its subtree below it.
    const root = await call('PATCH', `/categories/${b.id}`, { payload: { parentId: null } });
    expect(root.json()).toMatchObject({ parentId: null, ancestorIds: [], depth: 0 });
    expect(await ancestorsInDb(c.id)).toEqual([b.id]);
    const breadcrumbs = (await call('GET', `/categories/${c.id}`)).json() as CategoryBody;
    expect(breadcrumbs.breadcrumbs!.map((r) => r.name)).toEqual(['Taşıma B', 'Taşıma C']);
    expect((await auditTrail(t, 'category', b.id)).map((e) => e.action)).toEqual([
      'category.created',
      'category.moved',
    ]);
  });

  it('places a category among its siblings, moving the others down', async () => {
    const parent = await createCategory(call, 'Sıra');
    const one = await createCategory(call, 'Bir', { parentId: parent.id });
    const two = await createCategory(call, 'İki', { parentId: parent.id });
    const three = await createCategory(call, 'Üç', { parentId: parent.id });
    const names = async () => (await tree(`?parentId=${parent.id}`)).map((c) => c.name);
    expect(await names()).toEqual(['Bir', 'İki', 'Üç']);
    await call('PATCH', `/categories/${three.id}`, { payload: { position: 0 } });
    expect(await names()).toEqual(['Üç', 'Bir', 'İki']);
    await createCategory(call, 'Yarım', { parentId: parent.id, position: 1 });
    expect(await names()).toEqual(['Üç', 'Yarım', 'Bir', 'İki']);
    expect(one.id).not.toBe(two.id);
  });

  it('refuses to delete a category with children; deleting a leaf unlinks its products', async () => {
    const parent = await createCategory(call, 'Silinecek Üst');
    const leaf = await createCategory(call, 'Silinecek Alt', { parentId: parent.id });
    const product = await createProduct(call, { categoryIds: [leaf.id] });
    expectProblem(await call('DELETE', `/categories/${parent.id}`), 409, 'catalog.category_has_children');
    expect((await call('DELETE', `/categories/${leaf.id}`)).statusCode).toBe(204);
    expectProblem(await call('GET', `/categories/${leaf.id}`), 404, 'catalog.category_not_found');
    expect(((await call('GET', `/products/${product.id}`)).json() as ProductBody).categories).toEqual([]);
    expect((await call('DELETE', `/categories/${parent.id}`)).statusCode).toBe(204);
    expect((await auditTrail(t, 'category', leaf.id)).map((e) => e.action)).toEqual([
      'category.created',
      'category.deleted',
    ]);
  });

  it('assigns attributes to a category; subcategories inherit them', async () => {
    const top = await createCategory(call, 'Kağıt');
    const sub = await createCategory(call, 'Fotokopi Kağıdı', { parentId: top.id });
    const gram = await createAttribute(call, {
      code: 'gramaj',
      type: 'number',
      names: { tr: 'Gramaj' },
      unit: 'g/m²',
    });
    const size = await createAttribute(call, {
      code: 'ebat',
      type: 'enum',
      names: { tr: 'Ebat' },
      options: [{ code: 'a4', labels: { tr: 'A4' } }],
    });
    const set = await call('PUT', `/categories/${top.id}/attributes`, {
      payload: [{ attributeId: gram.id, required: true }],
    });
    expect(set.statusCode, set.body).toBe(200);
    await call('PUT', `/categories/${sub.id}/attributes`, { payload: [{ attributeId: size.id }] });
    const detail = (await call('GET', `/categories/${sub.id}`)).json() as CategoryBody;
    expect(detail.attributes).toEqual([
      expect.objectContaining({ code: 'gramaj', required: true, categoryId: top.id }),
      expect.objectContaining({ code: 'ebat', required: false, categoryId: sub.id }),
    ]);
    const unknown = await call('PUT', `/categories/${sub.id}/attributes`, {
      payload: [
        { attributeId: size.id },
        { attributeId: '0190f5a2-0000-7000-8000-000000000000' },
        { attributeId: size.id },
      ],
    });
    expectProblem(unknown, 400, 'catalog.invalid_reference');
    expect((unknown.json() as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      '1/attributeId',
      '2/attributeId',
    ]);
  });

  it('validates bodies and permissions', async () => {
    const category = await createCategory(call, 'Yetki');
    for (const payload of [
      { translations: { tr: { name: '' } } },
      { translations: { tr: { name: 'x', slug: 'Büyük Harf' } } },
      { translations: { tr: { name: 'x'.repeat(201) } } },
      { translations: { tr: { name: 'x' } }, position: -1 },
      { translations: { tr: { name: 'x' } }, parentId: 'yok' },
      { translations: { tr: { name: 'x' } }, extra: 1 },
    ]) {
      expectProblem(await call('POST', '/categories', { payload }), 400, 'request.validation_failed');
    }
    expectProblem(
      await call('POST', '/categories', { auth: customer, payload: { translations: { tr: { name: 'x' } } } }),
      403,
      'auth.forbidden',
    );
    expectProblem(
      await call('DELETE', `/categories/${category.id}`, { auth: customer }),
      403,
      'auth.forbidden',
    );
    expectProblem(
      await call('POST', '/categories', { auth: null, payload: { translations: { tr: { name: 'x' } } } }),
      401,
      'auth.unauthenticated',
    );
  });

  it('answers another tenant’s category ids with 404', async () => {
    const category = await createCategory(call, 'Kiracıya Özel');
    const other = await otherTenantAdmin(t, 'baska-firma');
    for (const [method, url, payload] of [
      ['GET', `/categories/${category.id}`, undefined],
      ['GET', `/categories/${category.slug}`, undefined],
      ['PATCH', `/categories/${category.id}`, { position: 1 }],
      ['DELETE', `/categories/${category.id}`, undefined],
      ['PUT', `/categories/${category.id}/attributes`, []],
    ] as const) {
      expectProblem(await call(method, url, { auth: other, payload }), 404, 'catalog.category_not_found');
    }
    const theirs = await call('POST', '/categories', {
      auth: other,
      payload: { parentId: category.id, translations: { tr: { name: 'Alt' } } },
    });
    expectProblem(theirs, 400, 'catalog.invalid_reference');
    expect(
      ((await call('GET', '/categories', { auth: other })).json() as { items: unknown[] }).items,
    ).toEqual([]);
  });
});
