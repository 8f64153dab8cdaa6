import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';

// Over a real socket: `inject` never goes through Node's HTTP parser, which is what refuses these.

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  closed: boolean;
}

function parse(text: string, closed: boolean): RawAnswer {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body, closed };
}

/** Sends raw bytes and reads until the server closes the connection (or 5 s pass). */
function send(port: number, bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(parse(text, false));
    }, 5_000);
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parse(text, true));
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

/** A stand-in for a client's socket that keeps what the server writes to it. */
function recordingSocket(written: string[]): Writable {
  const socket = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  // Destroying it with the parser's error emits that error: nobody else is listening.
  socket.on('error', () => {});
  return socket;
}

describe('requests refused by the HTTP parser', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => t?.close());

  it('answers headers over 16 KiB with a 431 problem, and closes the connection', async () => {
    const answer = await send(
      port,
      `GET /api/v1/tenant HTTP/1.1\r\nHost: localhost\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: 'urn:carsi:problem:request.headers_too_large',
      status: 431,
      code: 'request.headers_too_large',
    });
    expect(problem['requestId']).toBe(answer.headers['x-request-id']);
    expect(answer.closed).toBe(true);
  });

  it('answers a request line too long for the parser the same way, on any route', async () => {
    const answer = await send(port, `GET /health?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'request.headers_too_large' });
  });

  it('answers what is not HTTP with a 400 problem', async () => {
    const answer = await send(port, 'HELLO THERE\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, code: 'request.bad_request' });
  });

  it('answers a request whose headers arrive too slowly with a 408 problem', async () => {
    // Node checks for slow headers every 30 seconds; its timeout error is handed over directly.
    const written: string[] = [];
    const socket = recordingSocket(written);
    const timeout = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    t.app.server.emit('clientError', timeout, socket);
    const answer = parse(written.join(''), socket.destroyed);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 408, code: 'request.timeout' });
    expect(answer.closed).toBe(true);
  });

  it('writes nothing to a connection the client already reset', () => {
    const written: string[] = [];
    const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    t.app.server.emit('clientError', reset, recordingSocket(written));
    expect(written).toEqual([]);
  });

  it('still answers ordinary requests on the same server', async () => {
    const answer = await send(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});
