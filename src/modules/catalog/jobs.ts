import type { JobRegistry } from '../../kernel/events/registry.js';
import { registerProductFileJobs } from './file-events.js';
import { registerImportJobs } from './import/import.job.js';
import { registerImportWatchdog } from './import/import.watchdog.js';
import { registerProductPageJobs } from './product-pages.js';

/**
 * The catalog's background work: CSV imports of products, the watch over imports left without a job,
 * product images whose file was deleted, and stored product pages to rebuild.
 */
export function registerCatalogJobs(registry: JobRegistry): void {
  registerImportJobs(registry);
  registerProductFileJobs(registry);
  registerImportWatchdog(registry);
  registerProductPageJobs(registry);
}
