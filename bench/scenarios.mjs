// Load benchmark scenarios run by bench/run.mjs. Each is measured against the baseline server
// (bench/baseline/server.mjs) under the same load; targets are a share of the baseline's req/s
// and, optionally, p95 and p99 latency bounds.

/** The reference every scenario is compared against. */
export const baseline = {
  name: 'baseline',
  title: 'GET /baseline (Fastify + pg, one indexed SELECT)',
  path: '/baseline',
};

/** The administrator the benchmarked app is started with (see BOOTSTRAP_ADMIN_* in run.mjs). */
export const BENCH_ADMIN = { email: 'bench@carsi.local', password: 'Yonetici-Parola-2024' };

async function signIn(appUrl) {
  const response = await fetch(`${appUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  if (!response.ok) throw new Error(`bench sign-in failed: ${response.status} ${await response.text()}`);
  return (await response.json()).accessToken;
}

/** The product page of the first product by name (the same one every run). */
async function firstProductPath(appUrl) {
  const response = await fetch(`${appUrl}/api/v1/products?limit=1&sort=name`);
  if (!response.ok) throw new Error(`bench listing failed: ${response.status} ${await response.text()}`);
  const [first] = (await response.json()).items;
  return `/api/v1/products/${encodeURIComponent(first.slug)}`;
}

export const scenarios = [
  {
    name: 'tenant',
    title: 'GET /api/v1/tenant (tenant-scoped transaction with RLS)',
    path: '/api/v1/tenant',
    connections: 50,
    duration: 15,
    targetRatio: 0.6,
    targetP99Ms: 25,
  },
  {
    name: 'me',
    title: 'GET /api/v1/me (access token, permission check, one query)',
    path: '/api/v1/me',
    connections: 50,
    duration: 15,
    targetRatio: 0.5,
    // Access tokens live 15 minutes: one sign-in covers the whole run.
    prepare: async (appUrl) => ({ headers: { authorization: `Bearer ${await signIn(appUrl)}` } }),
  },
  {
    name: 'products',
    title: 'GET /api/v1/products first page of 20 with facets (10,000 products; guest)',
    path: '/api/v1/products?limit=20',
    connections: 50,
    duration: 15,
    targetRatio: 0.4,
    targetP95Ms: 15,
  },
  {
    name: 'products-fresh',
    title:
      'GET /api/v1/products first page of 20 with facets, computed afresh (staff: never from the page cache)',
    path: '/api/v1/products?limit=20&status=active',
    connections: 10,
    duration: 15,
    prepare: async (appUrl) => ({ headers: { authorization: `Bearer ${await signIn(appUrl)}` } }),
  },
  {
    name: 'product',
    title: 'GET /api/v1/products/:slug (detail with variants, images, attributes, breadcrumbs; guest)',
    path: '/api/v1/products/:slug',
    connections: 50,
    duration: 15,
    targetRatio: 0.6,
    prepare: async (appUrl) => ({ path: await firstProductPath(appUrl) }),
  },
  {
    name: 'product-gzip',
    title: 'GET /api/v1/products/:slug as a browser asks for it (Accept-Encoding: gzip, deflate, br; guest)',
    path: '/api/v1/products/:slug',
    headers: { 'accept-encoding': 'gzip, deflate, br' },
    connections: 50,
    duration: 15,
    prepare: async (appUrl) => ({ path: await firstProductPath(appUrl) }),
  },
  {
    name: 'search',
    title: 'GET /api/v1/products?q=kraft kuti (search with a typo, facets; guest)',
    path: '/api/v1/products?q=kraft%20kuti&limit=20',
    connections: 50,
    duration: 15,
    targetP95Ms: 30,
  },
  {
    name: 'search-fresh',
    title: 'GET /api/v1/products?q=kraft kuti with facets, computed afresh (staff)',
    path: '/api/v1/products?q=kraft%20kuti&limit=20&status=active',
    connections: 10,
    duration: 15,
    prepare: async (appUrl) => ({ headers: { authorization: `Bearer ${await signIn(appUrl)}` } }),
  },
  // Whether an address has an account must not show in the time forgot-password takes: one client
  // at a time, so the latencies compare the work itself (reported, no target: the two p50s match).
  {
    name: 'forgot-known',
    title: 'POST /api/v1/auth/forgot-password for an address that has an account (1 client)',
    path: '/api/v1/auth/forgot-password',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: BENCH_ADMIN.email }),
    connections: 1,
    duration: 10,
  },
  {
    name: 'forgot-unknown',
    title: 'POST /api/v1/auth/forgot-password for an address without an account (1 client)',
    path: '/api/v1/auth/forgot-password',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'nobody-here@carsi.local' }),
    connections: 1,
    duration: 10,
  },
  {
    name: 'login',
    title: 'POST /api/v1/auth/login (argon2id, deliberately slow; reported, no target)',
    path: '/api/v1/auth/login',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
    connections: 10,
    duration: 15,
  },
];
