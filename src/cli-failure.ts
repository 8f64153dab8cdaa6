import { EmbeddedDatabaseError } from './db/embedded.js';

/**
 * What the CLI prints for a failure it has no better words for: an operator's message alone, the
 * stack of anything else, and never a bare "undefined" (some libraries reject with no error at all).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof EmbeddedDatabaseError) return error.message;
  if (error instanceof Error) {
    if (error.message) return error.stack ?? error.message;
    return `${error.name} without a message${error.stack ? `\n${error.stack}` : ''}`;
  }
  if (error === undefined || error === null || error === '') {
    return 'the command failed without saying why (a dependency gave no error); run it again with LOG_LEVEL=debug';
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
