import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// A caller's id is kept when it is short and plain, so it can be searched for in logs safely.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming)) return incoming;
  return newRequestId();
}

// Generated ids are UUIDv7 (RFC 9562) with a dedicated counter (section 6.2, method 1) instead of
// fresh random bits: the millisecond time, a 26-bit counter that goes up by one with every id, and
// 48 random bits drawn once per process. Unique within a process (the counter would have to wrap
// within one millisecond) and, through the random part, across processes; ordered by time like any
// UUIDv7. Drawing and formatting 74 random bits per request cost more than the rest of the id.
const PROCESS_BITS = randomBytes(6).toString('hex');
let counter = randomBytes(4).readUInt32BE() & 0x3ffffff;
let lastMs = -1;
let timePart = '';

export function newRequestId(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    const hex = now.toString(16).padStart(12, '0');
    timePart = `${hex.slice(0, 8)}-${hex.slice(8)}-`;
  }
  counter = (counter + 1) & 0x3ffffff;
  // Version 7 and 12 counter bits; then the variant (binary 10) and the counter's low 14 bits.
  return `${timePart}${(0x7000 | (counter >>> 14)).toString(16)}-${(0x8000 | (counter & 0x3fff)).toString(16)}-${PROCESS_BITS}`;
}
