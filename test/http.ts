import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { SignedIn } from './identity.js';

export interface CallOptions {
  /** Whose credentials; null for none. Default: the caller's default. */
  auth?: SignedIn | null;
  payload?: unknown;
  headers?: Record<string, string>;
}

/**
 * A shorthand for `app.inject` on /api/v1 paths, signed in as `defaultAuth()` unless told otherwise
 * (a function, because test files sign in inside beforeAll).
 */
export function apiCaller(app: () => FastifyInstance, defaultAuth: () => SignedIn | null) {
  return (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, options: CallOptions = {}) => {
    const auth = options.auth === undefined ? defaultAuth() : options.auth;
    return app().inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...(auth ? auth.auth : {}), ...options.headers },
      ...(options.payload !== undefined ? { payload: options.payload as object } : {}),
    });
  };
}

export function expectProblem(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json()).toMatchObject({ status, code });
}
