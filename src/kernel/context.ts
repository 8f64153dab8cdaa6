import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { JobRegistry } from './events/registry.js';

export type ActorKind = 'staff' | 'customer' | 'platform';

/** Who is acting: a signed-in user, an API key, the system itself (jobs, CLI), or nobody yet. */
export interface Actor {
  type: 'anonymous' | 'user' | 'api_key' | 'system';
  id: string | null;
  /** For users: staff, customer, or platform administrator. API keys act as staff. */
  kind?: ActorKind;
  /** What this actor may do (`<area>.<action>`); empty for anonymous. */
  permissions?: ReadonlySet<string>;
  /** For users: the role keys their credentials carry (the source of `permissions`). */
  roles?: readonly string[];
  /** For API keys: the user who made the key, whose account it acts for. */
  ownerId?: string;
  /** The sign-in session a user's token belongs to. */
  sessionId?: string;
  /** How the credentials came: cookie-mode requests must prove themselves with a CSRF header. */
  via?: 'bearer' | 'cookie' | 'api_key';
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };
export const ANONYMOUS_ACTOR: Actor = { type: 'anonymous', id: null };

/** What a running process holds once: configuration, connections, the job registry, the logger. */
export interface Runtime {
  config: Config;
  db: Database;
  jobs: JobRegistry;
  boss: PgBoss;
  log: Logger;
}

/** What one unit of work (a request, a job, a CLI command) knows about itself. */
export interface RequestContext {
  runtime: Runtime;
  tenantId: string | null;
  actor: Actor;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export function systemContext(runtime: Runtime, tenantId: string | null, requestId: string | null = null) {
  const ctx: RequestContext = {
    runtime,
    tenantId,
    actor: SYSTEM_ACTOR,
    requestId,
    ip: null,
    userAgent: null,
  };
  return ctx;
}
