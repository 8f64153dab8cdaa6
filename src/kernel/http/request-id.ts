import type { IncomingMessage } from 'node:http';
import { uuidv7 } from 'uuidv7';

// A caller's id is kept when it is short and plain, so it can be searched for in logs safely.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming)) return incoming;
  return uuidv7();
}
