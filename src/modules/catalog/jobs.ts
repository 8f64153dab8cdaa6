import type { JobRegistry } from '../../kernel/events/registry.js';
import { registerFileDeletionJobs } from './file-deletions.js';
import { registerImportJobs } from './import/import.job.js';
import { registerImportWatchdog } from './import/import.watchdog.js';

/**
 * The catalog's background work: CSV imports of products, the watch over imports left without a job,
 * and product images whose file was deleted.
 */
export function registerCatalogJobs(registry: JobRegistry): void {
  registerImportJobs(registry);
  registerFileDeletionJobs(registry);
  registerImportWatchdog(registry);
}
