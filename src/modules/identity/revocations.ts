import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { broadcastOf } from '../../kernel/broadcast.js';
import type { Runtime } from '../../kernel/context.js';
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS } from './access-tokens.js';
import { rolePermissionCacheOf } from './roles.service.js';
import { accessRevocations, type RevocationKind } from './schema.js';

/**
 * Access tokens are checked without the database, so a change that must stop or narrow a token
 * already handed out — a session ended, a user deactivated or erased, a user's roles replaced, a role
 * edited — is told to every process (kernel/broadcast.ts) as it commits, and each keeps it in memory
 * for as long as such a token can live. The next request with the token, in any process, sees it.
 */

const TOPIC = 'identity.access';
/** After this, every token issued before the change has expired: the entry is forgotten. */
const REMEMBER_MS = (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS + 60) * 1000;

interface Entry {
  kind: RevocationKind;
  subjectId: string;
  roles?: readonly string[] | null;
  /** When it happened, in epoch milliseconds. */
  at: number;
}

interface Message {
  entries?: Entry[];
  /** A tenant whose roles changed: its role → permissions map is read again. */
  rolesOfTenant?: string;
}

/** What this process knows of revocations of the last token lifetime. */
export class AccessRevocations {
  private readonly sessions = new Map<string, number>();
  private readonly blocked = new Map<string, number>();
  private readonly roles = new Map<string, { roles: readonly string[]; forgetAt: number }>();
  private sweepAt = 0;
  /** Entries held; when 0 (the usual case) a request costs one comparison. */
  size = 0;

  apply(entry: Entry, now = Date.now()): void {
    const forgetAt = entry.at + REMEMBER_MS;
    if (forgetAt <= now) return;
    switch (entry.kind) {
      case 'session':
        this.sessions.set(entry.subjectId, forgetAt);
        break;
      case 'user_blocked':
        this.blocked.set(entry.subjectId, forgetAt);
        break;
      case 'user_unblocked':
        // The user's earlier sessions were ended one by one when it was blocked: those stay refused.
        this.blocked.delete(entry.subjectId);
        break;
      case 'user_roles':
        this.roles.set(entry.subjectId, { roles: [...(entry.roles ?? [])].sort(), forgetAt });
        break;
    }
    this.recount(now);
  }

  /** Whether a token of this session and user must be refused. */
  refuses(sessionId: string, userId: string, now = Date.now()): boolean {
    if (this.size === 0) return false;
    if (now >= this.sweepAt) this.recount(now);
    return this.sessions.has(sessionId) || this.blocked.has(userId);
  }

  /** The user's roles when they changed after its token was issued; undefined: the token's own. */
  rolesOf(userId: string): readonly string[] | undefined {
    return this.size === 0 ? undefined : this.roles.get(userId)?.roles;
  }

  clear(): void {
    this.sessions.clear();
    this.blocked.clear();
    this.roles.clear();
    this.size = 0;
  }

  private recount(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const map of [this.sessions, this.blocked]) {
      for (const [key, forgetAt] of map) {
        if (forgetAt <= now) map.delete(key);
        else next = Math.min(next, forgetAt);
      }
    }
    for (const [key, { forgetAt }] of this.roles) {
      if (forgetAt <= now) this.roles.delete(key);
      else next = Math.min(next, forgetAt);
    }
    this.size = this.sessions.size + this.blocked.size + this.roles.size;
    this.sweepAt = next;
  }
}

const states = new WeakMap<Runtime, AccessRevocations>();

/** The process's revocation state for this runtime. */
export function revocationsOf(runtime: Runtime): AccessRevocations {
  let state = states.get(runtime);
  if (!state) {
    state = new AccessRevocations();
    states.set(runtime, state);
  }
  return state;
}

/**
 * Makes this process hear revocations from every other one and loads those of the last token
 * lifetime; called when the API starts (before it answers anything).
 */
export async function listenForRevocations(runtime: Runtime): Promise<void> {
  const state = revocationsOf(runtime);
  const broadcast = broadcastOf(runtime);
  broadcast.subscribe(TOPIC, (payload) => {
    const message = payload as Message;
    for (const entry of message.entries ?? []) state.apply(entry);
    if (message.rolesOfTenant) rolePermissionCacheOf(runtime).invalidate(message.rolesOfTenant);
  });
  broadcast.onResync(async () => {
    const since = new Date(Date.now() - REMEMBER_MS);
    const { rows } = await runtime.db.pool.query<{
      kind: RevocationKind;
      subject_id: string;
      roles: string[] | null;
      created_at: Date;
    }>('SELECT kind, subject_id, roles, created_at FROM carsi_recent_access_revocations($1)', [since]);
    state.clear();
    for (const row of rows) {
      state.apply({
        kind: row.kind,
        subjectId: row.subject_id,
        roles: row.roles,
        at: row.created_at.getTime(),
      });
    }
    // Role edits missed while nothing listened: every tenant's map is read again.
    rolePermissionCacheOf(runtime).invalidateAll();
  });
  await broadcast.start();
}

/** Records revocations in the caller's transaction; every process applies them when it commits. */
export async function revokeAccess(
  tx: Tx,
  entries: readonly { kind: RevocationKind; subjectId: string; roles?: readonly string[] }[],
): Promise<void> {
  if (entries.length === 0) return;
  const at = Date.now();
  // NOTIFY payloads are bounded: a user with very many sessions is told in chunks.
  for (let start = 0; start < entries.length; start += 100) {
    const chunk = entries.slice(start, start + 100);
    await tx.db.insert(accessRevocations).values(
      chunk.map((entry) => ({
        tenantId: tx.ctx.tenantId,
        id: uuidv7(),
        kind: entry.kind,
        subjectId: entry.subjectId,
        roles: entry.roles ? [...entry.roles] : null,
        createdAt: new Date(at),
      })),
    );
    const message: Message = { entries: chunk.map((entry) => ({ ...entry, at })) };
    await broadcastOf(tx.ctx.runtime).publish(tx, TOPIC, message);
  }
}

/** A tenant's roles changed: every process reads its role → permissions map again. */
export async function announceRoleChange(tx: Tx, tenantId: string): Promise<void> {
  const message: Message = { rolesOfTenant: tenantId };
  await broadcastOf(tx.ctx.runtime).publish(tx, TOPIC, message);
}
