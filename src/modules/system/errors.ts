import { defineErrors } from '../../kernel/error-registry.js';

/** Probes and the Prometheus endpoint. */
export const systemErrors = defineErrors('Probes and metrics', {
  'metrics.not_served': {
    status: 404,
    meaning:
      '`/metrics` is not served here: with neither `METRICS_TOKEN` nor `METRICS_PORT` set it is off, and with `METRICS_PORT` it is served on that listener only.',
  },
  'metrics.unauthorized': {
    status: 401,
    meaning: '`/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`, and the request had none or another.',
  },
});
