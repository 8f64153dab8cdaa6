import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { LOST_JOB_EVENT, registerLostJobQueue } from '../../../test/fixtures/probe-queues.js';
import { waitFor } from '../../../test/wait.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../context.js';
import { JobRunner } from '../jobs/runner.js';
import { emit } from './emit.js';
import { DEAD_LETTER_QUEUE, type JobInfo } from './registry.js';

interface Delivery {
  queue: string;
  data: { eventId: string; type: string; tenantId: string; payload: { n: number } };
  job: JobInfo;
}

describe('events and jobs', () => {
  let t: TestApp;
  let tenantId: string;
  const deliveries: Delivery[] = [];
  const failOnceSeen = new Set<string>();

  beforeAll(async () => {
    t = await createTestApp({
      supervise: true,
      maintenanceIntervalSeconds: 1,
      jobs: (registry) => {
        const fast = { retryDelaySeconds: 1, retryBackoff: true, retryLimit: 4, concurrency: 1 };
        registry.subscribe<Delivery['data']>(
          'probe.happened',
          'recorder',
          async (data, _rt, job) => {
            deliveries.push({ queue: 'recorder', data, job });
          },
          fast,
        );
        registry.subscribe<Delivery['data']>(
          'probe.happened',
          'fails-once',
          async (data, _rt, job) => {
            if (!failOnceSeen.has(data.eventId)) {
              failOnceSeen.add(data.eventId);
              throw new Error('first attempt fails');
            }
            deliveries.push({ queue: 'fails-once', data, job });
          },
          fast,
        );
        registry.subscribe(
          'probe.doomed',
          'always-fails',
          async () => {
            throw new Error('never works');
          },
          { retryLimit: 0, concurrency: 1 },
        );
        registerLostJobQueue(registry, async (data, _rt, job) => {
          deliveries.push({ queue: 'survivor', data: data as Delivery['data'], job });
        });
      },
    });
    tenantId = await t.tenantId('demo');
  });
  afterAll(() => t?.close());

  const jobCount = async (queue: string) => {
    const rows = await t.ownerQuery<{ n: number }>(
      'SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1',
      [queue],
    );
    return rows[0]!.n;
  };

  it('enqueues nothing when the emitting transaction rolls back', async () => {
    await expect(
      withTx(systemContext(t.runtime, tenantId), async (tx) => {
        await emit(tx, 'probe.happened', { n: 1 });
        throw new Error('business rule failed after emit');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await jobCount('probe.happened/recorder')).toBe(0);
    expect(await jobCount('probe.happened/fails-once')).toBe(0);
    const events = await withTx(systemContext(t.runtime, tenantId), (tx) =>
      tx.db.execute(sql`SELECT count(*)::int AS n FROM domain_events`),
    );
    expect(events.rows[0]).toEqual({ n: 0 });
  });

  it('records the event and enqueues one job per subscriber inside the committed transaction', async () => {
    const eventId = await withTx(systemContext(t.runtime, tenantId, 'req-42'), (tx) =>
      emit(tx, 'probe.happened', { n: 2 }),
    );
    expect(await jobCount('probe.happened/recorder')).toBe(1);
    expect(await jobCount('probe.happened/fails-once')).toBe(1);
    const events = await withTx(systemContext(t.runtime, tenantId), (tx) =>
      tx.db.execute(sql`SELECT id, type, request_id FROM domain_events`),
    );
    expect(events.rows).toEqual([{ id: eventId, type: 'probe.happened', request_id: 'req-42' }]);
  });

  it('delivers a committed event to every subscriber, retrying one that throws the first time', async () => {
    const runner = new JobRunner(t.runtime, t.metrics);
    await runner.start();
    const eventId = await withTx(systemContext(t.runtime, tenantId), (tx) =>
      emit(tx, 'probe.happened', { n: 3 }),
    );
    const retried = await waitFor(() =>
      deliveries.find((d) => d.queue === 'fails-once' && d.data.eventId === eventId),
    );
    expect(retried.job.retryCount).toBe(1);
    // The handler is told its queue's retry limit, so it can tell its last attempt.
    expect(retried.job.retryLimit).toBe(4);
    expect(retried.data).toMatchObject({ type: 'probe.happened', tenantId, payload: { n: 3 } });
    const recorded = deliveries.filter((d) => d.queue === 'recorder' && d.data.eventId === eventId);
    expect(recorded).toHaveLength(1);
    const metrics = await t.metrics.registry.getSingleMetricAsString('carsi_job_failures_total');
    expect(metrics).toMatch(/queue="probe.happened\/fails-once"} [1-9]/);
  });

  it('moves a job that used up its retries to the dead-letter queue', async () => {
    const eventId = await withTx(systemContext(t.runtime, tenantId), (tx) =>
      emit(tx, 'probe.doomed', { n: 4 }),
    );
    const dead = await waitFor(async () => {
      const rows = await t.ownerQuery(
        `SELECT data FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2`,
        [DEAD_LETTER_QUEUE, eventId],
      );
      return rows[0] as { data: unknown } | undefined;
    });
    expect(dead.data).toMatchObject({ type: 'probe.doomed', payload: { n: 4 } });
  });

  it('keeps the cron schedules of scheduled jobs', async () => {
    const schedules = await t.runtime.boss.getSchedules();
    expect(schedules.map((s) => s.name)).toContain('audit-partitions');
  });

  it('does not lose a job whose worker process is killed mid-run', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hanging-worker.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: t.database.ownerUrl,
        DATABASE_APP_URL: t.database.appUrl,
        JWT_SECRET: t.runtime.config.jwtSecret,
        CARSI_DATA_DIR: t.runtime.config.dataDir,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    try {
      // This process also works the queue; the child must take the job first, so it is enqueued only
      // once the child is polling and this process's own workers for that queue are paused.
      await t.runtime.boss.offWork(`${LOST_JOB_EVENT}/survivor`);
      await waitFor(() => (output.includes('ready') ? true : undefined));
      const eventId = await withTx(systemContext(t.runtime, tenantId), (tx) =>
        emit(tx, LOST_JOB_EVENT, { n: 5 }),
      );
      await waitFor(() => (output.includes('started') ? true : undefined));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const survivor = t.runtime.jobs.get(`${LOST_JOB_EVENT}/survivor`)!;
      await t.runtime.boss.work(
        survivor.name,
        { pollingIntervalSeconds: 1, includeMetadata: true },
        async ([job]) => {
          await survivor.handler(job!.data, t.runtime, {
            id: job!.id,
            retryCount: job!.retryCount,
            retryLimit: job!.retryLimit,
          });
        },
      );
      const delivered = await waitFor(() =>
        deliveries.find((d) => d.queue === 'survivor' && d.data.eventId === eventId),
      );
      expect(delivered.job.retryCount).toBeGreaterThanOrEqual(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
