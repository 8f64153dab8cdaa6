// Load benchmark (`npm run bench [scenario...]`): builds the app, starts it and the baseline server
// on a fresh `carsi_bench` database, measures each scenario from bench/scenarios.mjs with autocannon
// against the baseline, prints the results and writes them to docs/PERFORMANCE.md.
// Env: DATABASE_URL (server to use; default local PostgreSQL), BENCH_DURATION, BENCH_CONNECTIONS,
// BENCH_ROUNDS (default 5).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { BENCH_ADMIN, baseline, scenarios } from './scenarios.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const docFile = path.join(root, 'docs/PERFORMANCE.md');
const MARKER = '<!-- bench:results -->';
const WARMUP_S = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const BENCH_DB = 'carsi_bench';

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const benchUrl = Object.assign(new URL(adminUrl), { pathname: `/${BENCH_DB}` }).href;

const selected = selectScenarios(process.argv.slice(2)).map((s) => ({
  ...s,
  connections: Number(process.env.BENCH_CONNECTIONS || s.connections),
  duration: Number(process.env.BENCH_DURATION || s.duration),
}));

const children = [];
/** Where scenarios' prepare() steps reach the app (set once it is up). */
let appUrlForPrepare = '';
const preparedScenarios = new Map();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'carsi-bench-'));
let databaseCreated = false;

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => cleanup().finally(() => process.exit(130)));
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main() {
  log('building the app');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });

  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${BENCH_DB}`);
  });
  databaseCreated = true;

  const appEnv = {
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(36).toString('base64url'), // 48 characters
    DATABASE_APP_PASSWORD: 'bench-app-password',
    RATE_LIMIT_IP_PER_MIN: '100000000',
    RATE_LIMIT_USER_PER_MIN: '100000000',
    RATE_LIMIT_AUTH_PER_MIN: '100000000',
    BOOTSTRAP_ADMIN_EMAIL: BENCH_ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: BENCH_ADMIN.password,
    CARSI_DATA_DIR: dataDir,
  };
  // The catalog scenarios read the large demo catalog (10,000 products × 3 variants, 300 categories).
  log('seeding the large demo catalog');
  execFileSync(process.execPath, ['dist/main.js', 'seed', '--demo', '--size', 'large'], {
    cwd: root,
    env: { ...process.env, ...appEnv, DATABASE_URL: benchUrl },
    stdio: ['ignore', 2, 2],
  });
  // The seed wrote tens of thousands of rows: vacuum, analyze and checkpoint now, so autovacuum and
  // the checkpointer do not do it during the first measured runs.
  log('settling the database (VACUUM ANALYZE, CHECKPOINT)');
  await withClient(benchUrl, async (client) => {
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
  });
  const appUrl = await startServer('Çarşı API', ['dist/main.js', 'serve'], '/ready', appEnv);
  appUrlForPrepare = appUrl;
  const baselineUrl = await startServer('baseline', ['bench/baseline/server.mjs'], baseline.path);

  // Machine load drifts between runs, so baseline and scenarios alternate over several rounds and
  // each is reported by its median run; a single pair of runs cannot resolve a few percent.
  const shapeOf = (s) => `${s.connections}x${s.duration}`;
  const runs = new Map();
  const record = (key, result) => runs.set(key, [...(runs.get(key) ?? []), result]);
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round} of ${ROUNDS}`);
    const measuredShapes = new Set();
    for (const s of selected) {
      if (measuredShapes.has(shapeOf(s))) continue;
      measuredShapes.add(shapeOf(s));
      const reference = { ...baseline, title: `${baseline.title}, ${s.connections} connections` };
      record(`baseline:${shapeOf(s)}`, await measure(baselineUrl + baseline.path, reference, s, round === 1));
    }
    for (const s of selected) {
      const scenario = await prepared(s);
      record(s.name, await measure(appUrl + scenario.path, scenario, s, round === 1));
    }
  }

  const rows = [];
  for (const key of [...runs.keys()].filter((k) => k.startsWith('baseline:'))) {
    const b = medianRun(runs.get(key));
    rows.push({ ...b, ratio: 1, target: '—', met: b.failure ?? '—' });
  }
  for (const s of selected) {
    const m = medianRun(runs.get(s.name));
    const base = medianRun(runs.get(`baseline:${shapeOf(s)}`));
    const ratio = m.rps / base.rps;
    const met =
      (s.targetRatio === undefined || ratio >= s.targetRatio) &&
      (s.targetP95Ms === undefined || m.p95 < s.targetP95Ms) &&
      (s.targetP99Ms === undefined || m.p99 < s.targetP99Ms);
    const target = [];
    if (s.targetRatio !== undefined) target.push(`≥ ${s.targetRatio.toFixed(2)}× baseline`);
    if (s.targetP95Ms !== undefined) target.push(`p95 < ${s.targetP95Ms} ms`);
    if (s.targetP99Ms !== undefined) target.push(`p99 < ${s.targetP99Ms} ms`);
    rows.push({
      ...m,
      ratio,
      target: target.join(', ') || 'reported',
      met: m.failure ?? (target.length === 0 ? '—' : met ? 'yes' : 'no'),
    });
  }

  const env = await describeEnvironment();
  const table = renderTable(rows);
  console.log(`\n${table}\n`);
  writeResults(env, table, [
    ...new Set(selected.map((s) => `${s.connections} connections × ${s.duration} s`)),
  ]);
  log(`results written to ${path.relative(root, docFile)}`);
  return rows.some((r) => r.failure) ? 1 : 0;
}

function selectScenarios(names) {
  if (names.length === 0) return scenarios;
  const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length > 0) {
    const known = scenarios.map((s) => s.name).join(', ');
    console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${known}`);
    process.exit(2);
  }
  return scenarios.filter((s) => names.includes(s.name));
}

/** A scenario with what its `prepare(appUrl)` adds (a signed-in token, say), computed once. */
async function prepared(scenario) {
  if (!scenario.prepare) return scenario;
  if (!preparedScenarios.has(scenario.name)) {
    preparedScenarios.set(scenario.name, { ...scenario, ...(await scenario.prepare(appUrlForPrepare)) });
  }
  return preparedScenarios.get(scenario.name);
}

/** The run with the median req/s (a failed run anywhere marks the result failed). */
function medianRun(results) {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  const median = sorted[Math.floor(sorted.length / 2)];
  const failure = results.find((r) => r.failure)?.failure;
  return { ...median, failure, allRps: results.map((r) => Math.round(r.rps)) };
}

/** A discarded warm-up run (first round only), then the measured one. */
async function measure(url, scenario, { connections, duration }, warmUp) {
  const options = {
    url,
    connections,
    method: scenario.method ?? 'GET',
    headers: scenario.headers,
    ...(scenario.body ? { body: scenario.body } : {}),
  };
  if (warmUp) {
    log(`${scenario.name}: warm-up ${WARMUP_S} s`);
    await autocannon({ ...options, duration: WARMUP_S });
  }
  log(`${scenario.name}: ${connections} connections × ${duration} s`);
  // Every 2xx response's latency, so percentiles are exact (autocannon's summary has no p95).
  const latencies = [];
  const run = autocannon({ ...options, duration });
  run.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const r = await run;
  latencies.sort((a, b) => a - b);
  const percentile = (p) =>
    latencies.length === 0
      ? 0
      : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const errors = r.errors + r.timeouts;
  const problems = [];
  if (r.non2xx > 0) problems.push(`${r.non2xx} non-2xx (${statusSummary(r.statusCodeStats)})`);
  if (errors > 0) problems.push(`${errors} errors`);
  return {
    title: scenario.title,
    rps: r.requests.average,
    p50: percentile(50),
    p95: percentile(95),
    p99: percentile(99),
    failure: problems.length > 0 ? `FAILED: ${problems.join(', ')}` : undefined,
  };
}

function statusSummary(stats) {
  return Object.entries(stats)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}: ${count}`)
    .join(', ');
}

/** Spawns `node <args>` on a free port and waits until `readyPath` answers 200. */
async function startServer(name, args, readyPath, env = {}) {
  const port = await freePort();
  log(`starting ${name} on port ${port}`);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: benchUrl, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 2, 2],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during startup (${child.exitCode ?? child.signalCode})`);
    }
    try {
      if ((await fetch(url + readyPath)).status === 200) return url;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not ready within 60 s`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function describeEnvironment() {
  const { rows } = await withClient(benchUrl, (c) => c.query('SELECT version()'));
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    node: process.version,
    postgres: rows[0].version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
  };
}

/** Milliseconds with one decimal below 10 ms, whole above. */
function ms(value) {
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function renderTable(rows) {
  const lines = [
    '| scenario | req/s (median) | req/s of each round | ratio to baseline | p50 ms | p95 ms | p99 ms | target | met? |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) =>
      [
        r.title,
        Math.round(r.rps),
        r.allRps.join(', '),
        r.ratio.toFixed(2),
        ms(r.p50),
        ms(r.p95),
        ms(r.p99),
        r.target,
        r.met,
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    ),
  ];
  return lines.join('\n');
}

function writeResults(env, table, loads) {
  const top = existsSync(docFile)
    ? readFileSync(docFile, 'utf8').split(MARKER)[0].trimEnd()
    : [
        '# Performance',
        '',
        'Run the load benchmark with `npm run bench` (optionally followed by scenario names). It needs the',
        'app to build and a PostgreSQL server: `DATABASE_URL` if set, else the local server at',
        '`postgres://postgres@127.0.0.1:5432/postgres`; a scratch `carsi_bench` database is created there and',
        'dropped afterwards. Each scenario is compared with a minimal Fastify + pg server under the same load.',
        '`BENCH_DURATION` and `BENCH_CONNECTIONS` override the load for quick runs.',
        '',
        'The figures below come from the machine described with them; they are not comparable across machines.',
      ].join('\n');
  const results = [
    MARKER,
    '',
    '## Latest results',
    '',
    `- Date: ${env.date}`,
    `- CPU: ${env.cpu} (nproc ${env.nproc})`,
    `- Node: ${env.node}`,
    `- PostgreSQL: ${env.postgres}`,
    `- Load per run: ${loads.join('; ')}; ${ROUNDS} rounds, baseline and scenarios alternating, one run at a time,`,
    `  after a discarded ${WARMUP_S} s warm-up; each row is the round with the median req/s`,
    '',
    table,
    '',
    'req/s is autocannon’s mean of per-second samples. Latency percentiles are computed from every 2xx',
    'response of the run (autocannon’s own summary has no p95).',
    '',
  ].join('\n');
  writeFileSync(docFile, `${top}\n\n${results}`);
}

async function cleanup() {
  await Promise.all(children.map(stop));
  children.length = 0;
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseCreated) {
    databaseCreated = false;
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`)).catch(
      (error) => console.error(`could not drop ${BENCH_DB}: ${error.message}`),
    );
  }
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function log(message) {
  console.error(`[bench] ${message}`);
}
