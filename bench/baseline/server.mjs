// Baseline for the load benchmark: the smallest Fastify + pg server doing one indexed SELECT per
// request, i.e. the ceiling Node + PostgreSQL reach on this machine. Started by bench/run.mjs.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(
  'CREATE TABLE IF NOT EXISTS bench_baseline (id int PRIMARY KEY, slug text UNIQUE NOT NULL, name text NOT NULL)',
);
await pool.query("INSERT INTO bench_baseline VALUES (1, 'demo', 'Demo') ON CONFLICT DO NOTHING");

const query = {
  name: 'baseline',
  text: 'SELECT slug, name FROM bench_baseline WHERE slug = $1',
  values: ['demo'],
};

const app = Fastify({ logger: false });
app.get('/baseline', async (_request, reply) => {
  const { rows } = await pool.query(query);
  return rows[0] ?? reply.code(404).send({ error: 'not found' });
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3001) });

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  });
}
