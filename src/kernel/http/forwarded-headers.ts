import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';

/** Headers a reverse proxy or load balancer adds to say who the client is. */
export const FORWARDED_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/** Logged at start by API processes while TRUST_PROXY is unset. */
export const TRUST_PROXY_UNSET =
  'TRUST_PROXY is unset: every client is known by the address of its TCP connection. Behind a reverse ' +
  'proxy or load balancer that is the proxy, so all clients share one address: its per-address rate ' +
  'limits (RATE_LIMIT_IP_PER_MIN, RATE_LIMIT_AUTH_PER_MIN) and its sign-in slow-down after failed ' +
  'attempts apply to everyone at once, one client can exhaust them for all, and the audit log records ' +
  "the proxy's address. Behind a proxy, set TRUST_PROXY (its addresses, a hop count, or true).";

const READY_WARNING =
  'Requests arrive with forwarded headers (X-Forwarded-For, Forwarded or X-Real-IP) but TRUST_PROXY is ' +
  "unset: clients are known by the proxy's address and share its rate limits and sign-in slow-down. " +
  'Set TRUST_PROXY to the proxy (or ignore this if no proxy is in front: clients can send these headers).';

/**
 * Notices, once per process, that requests carry forwarded headers while TRUST_PROXY is unset: a sign
 * that a proxy stands in front unannounced. It logs a warning the first time and reports it in
 * /ready from then on, without making the process unready. Made only while TRUST_PROXY is unset;
 * `inspect` runs on every request, so after the first sighting it is one flag test.
 */
export class ForwardedHeaderWatch {
  private header: string | null = null;

  constructor(private readonly log: Logger) {}

  inspect(headers: IncomingHttpHeaders, peer: string): void {
    if (this.header !== null) return;
    const found =
      headers['x-forwarded-for'] !== undefined
        ? 'x-forwarded-for'
        : headers.forwarded !== undefined
          ? 'forwarded'
          : headers['x-real-ip'] !== undefined
            ? 'x-real-ip'
            : null;
    if (found === null) return;
    this.header = found;
    this.log.warn({ header: found, peer }, READY_WARNING);
  }

  /** What /ready lists under `warnings`. */
  warnings(): string[] {
    return this.header === null ? [] : [READY_WARNING];
  }
}
