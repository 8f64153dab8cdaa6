export { systemErrors } from './errors.js';
export { type MetricsGate, metricsGate } from './metrics-access.js';
export { startMetricsListener } from './metrics-listener.js';
export { checkReadiness, type ReadinessReport } from './readiness.js';
export { systemRoutes } from './routes.js';
