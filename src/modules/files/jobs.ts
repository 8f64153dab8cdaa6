import type { JobRegistry } from '../../kernel/events/registry.js';

export function registerFileJobs(_registry: JobRegistry): void {}
