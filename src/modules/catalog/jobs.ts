import type { JobRegistry } from '../../kernel/events/registry.js';

export function registerCatalogJobs(_registry: JobRegistry): void {}
