// Load benchmark scenarios run by bench/run.mjs. Each is measured against the baseline server
// (bench/baseline/server.mjs) under the same load; targets are a share of the baseline's req/s
// and, optionally, a p99 latency bound.

/** The reference every scenario is compared against. */
export const baseline = {
  name: 'baseline',
  title: 'GET /baseline (Fastify + pg, one indexed SELECT)',
  path: '/baseline',
};

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
];
