import type { JobRegistry } from '../../kernel/events/registry.js';
import { registerImportJobs } from './import/import.job.js';

/** The catalog's background work: CSV imports of products. */
export function registerCatalogJobs(registry: JobRegistry): void {
  registerImportJobs(registry);
}
