import type { JobRegistry } from '../../kernel/events/registry.js';
import { registerImportJobs } from './import/import.job.js';
import { registerImportWatchdog } from './import/import.watchdog.js';

/** The catalog's background work: CSV imports of products, and the watch over imports left without a job. */
export function registerCatalogJobs(registry: JobRegistry): void {
  registerImportJobs(registry);
  registerImportWatchdog(registry);
}
