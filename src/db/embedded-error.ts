/**
 * The embedded database cannot be started or reached, for a reason the operator can act on. The
 * message says what is wrong and what to do; the CLI prints it without a stack trace.
 */
export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}
