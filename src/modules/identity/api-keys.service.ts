import { isIP } from 'node:net';
import { and, desc, eq, isNull, lt, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { isPermission } from './permissions.js';
import { type ApiKeyRow, apiKeys } from './schema.js';
import { hashToken, randomToken } from './secrets.js';

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  allowedIps: string[] | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: string;
  createdAt: string;
}

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    allowedIps: row.allowedIps,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface NewApiKey {
  name: string;
  scopes: string[];
  expiresAt?: string | undefined;
  allowedIps?: string[] | undefined;
}

/**
 * Creates a key whose scopes are within the creator's own permissions. The full key is returned this
 * once; only a hash of its secret is kept.
 */
export async function createApiKey(
  tx: Tx,
  input: NewApiKey,
  creatorPermissions: ReadonlySet<string>,
): Promise<{ key: string; apiKey: ApiKeyRow }> {
  const tenantId = tx.ctx.tenantId;
  const creator = tx.ctx.actor.id;
  if (!tenantId || !creator) throw new Error('API keys are created by a signed-in user of a tenant');
  const unknown = input.scopes.filter((scope) => !isPermission(scope));
  if (unknown.length > 0) {
    throw new AppError('apikeys.unknown_scope', 400, `Unknown scope(s): ${unknown.join(', ')}.`, {
      field: 'scopes',
    });
  }
  const beyond = input.scopes.filter((scope) => !creatorPermissions.has(scope));
  if (beyond.length > 0) {
    throw new AppError('apikeys.scope_exceeds_creator', 403, `You do not hold: ${beyond.join(', ')}.`, {
      field: 'scopes',
    });
  }
  const badIps = (input.allowedIps ?? []).filter((entry) => !validIpEntry(entry));
  if (badIps.length > 0) {
    throw new AppError('apikeys.invalid_ip', 400, `Not an IP address or IPv4 range: ${badIps.join(', ')}.`, {
      field: 'allowedIps',
    });
  }
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new AppError('apikeys.expiry_in_past', 400, 'expiresAt must be in the future.', {
      field: 'expiresAt',
    });
  }
  const id = uuidv7();
  const secret = randomToken();
  const [row] = await tx.db
    .insert(apiKeys)
    .values({
      tenantId,
      id,
      name: input.name,
      secretHash: hashToken(secret),
      scopes: [...new Set(input.scopes)].sort(),
      allowedIps: input.allowedIps && input.allowedIps.length > 0 ? input.allowedIps : null,
      createdBy: creator,
      expiresAt,
    })
    .returning();
  await audit(tx, {
    action: 'apikey.created',
    entityType: 'api_key',
    entityId: id,
    after: toApiKeyView(row!),
  });
  return { key: `ck_${id}_${secret}`, apiKey: row! };
}

export async function listApiKeys(tx: Tx, query: { limit: number; after?: string | undefined }) {
  const filters: SQL[] = [isNull(apiKeys.revokedAt)];
  if (query.after) filters.push(lt(apiKeys.id, query.after));
  return tx.db
    .select()
    .from(apiKeys)
    .where(and(...filters))
    .orderBy(desc(apiKeys.id))
    .limit(query.limit + 1);
}

/** Revokes at once: the next request with the key is refused. */
export async function revokeApiKey(tx: Tx, id: string): Promise<void> {
  const [row] = await tx.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (!row) throw new AppError('apikeys.not_found', 404, 'No such API key.');
  await audit(tx, { action: 'apikey.revoked', entityType: 'api_key', entityId: id });
}

/** An exact IPv4/IPv6 address, or an IPv4 range with a prefix of 0 to 32 bits. */
export function validIpEntry(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  if (bits === undefined) return isIP(address) !== 0;
  return isIP(address) === 4 && /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
}
