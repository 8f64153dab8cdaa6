import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { PURPOSE_RULES } from './purposes.js';
import type { FilePurpose, FileRow, FileVisibility } from './schema.js';

/**
 * Who may do what with files:
 * - upload: the purpose's upload permission (images `products.edit`, imports `products.create`);
 *   documents any signed-in user or API key;
 * - make public (served to anyone): staff holding the purpose's publish permission (images and
 *   documents `products.edit`); imports never;
 * - read a private file (metadata, signed links) and see it in lists: its uploader, or staff (staff
 *   users and API keys) holding the purpose's read permission (images `products.edit`, imports
 *   `products.create`, documents `customers.view`). Metadata of public files: anyone signed in;
 * - delete: its uploader, or staff holding the purpose's delete permission (documents need
 *   `customers.edit`).
 * A file one may not read answers 404, as if it did not exist.
 */

function isStaff(actor: Actor): boolean {
  return (actor.type === 'user' || actor.type === 'api_key') && actor.kind === 'staff';
}

function holds(actor: Actor, permission: string): boolean {
  return actor.permissions?.has(permission) ?? false;
}

function isUploader(actor: Actor, file: Pick<FileRow, 'createdBy'>): boolean {
  return actor.id !== null && file.createdBy === actor.id;
}

/** Purposes whose private files this actor may read although someone else uploaded them. */
export function staffReadablePurposes(actor: Actor): FilePurpose[] {
  if (!isStaff(actor)) return [];
  return (Object.keys(PURPOSE_RULES) as FilePurpose[]).filter((purpose) =>
    holds(actor, PURPOSE_RULES[purpose].readPermission),
  );
}

export function canRead(actor: Actor, file: Pick<FileRow, 'visibility' | 'createdBy' | 'purpose'>): boolean {
  return (
    file.visibility === 'public' ||
    isUploader(actor, file) ||
    (isStaff(actor) && holds(actor, PURPOSE_RULES[file.purpose].readPermission))
  );
}

export function canDelete(actor: Actor, file: Pick<FileRow, 'createdBy' | 'purpose'>): boolean {
  return (
    isUploader(actor, file) || (isStaff(actor) && holds(actor, PURPOSE_RULES[file.purpose].deletePermission))
  );
}

export function assertCanUpload(actor: Actor, purpose: FilePurpose, visibility: FileVisibility): void {
  const permission = PURPOSE_RULES[purpose].uploadPermission;
  if (permission && !holds(actor, permission)) {
    throw new AppError(
      'auth.forbidden',
      403,
      `Uploading ${purpose} files needs the permission "${permission}".`,
      {
        permission,
      },
    );
  }
  if (visibility !== 'public') return;
  const publish = PURPOSE_RULES[purpose].publishPermission;
  if (publish === null) {
    throw new AppError('files.never_public', 400, `${purpose} files are never public.`, {
      field: 'visibility',
    });
  }
  if (!isStaff(actor) || !holds(actor, publish)) {
    throw new AppError(
      'files.publish_forbidden',
      403,
      `Only staff holding "${publish}" may make a ${purpose} file public; upload it as private.`,
      { permission: publish, field: 'visibility' },
    );
  }
}

/**
 * The route needs a signed-in user or API key of a tenant. Platform administrators carry no tenant,
 * and files always belong to one.
 */
export function requireTenantMember(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
) {
  const { actor, tenantId } = request.ctx;
  if (actor.type !== 'user' && actor.type !== 'api_key') {
    return done(
      new AppError('auth.unauthenticated', 401, 'Sign in, or send a valid access token or API key.'),
    );
  }
  if (!tenantId) {
    return done(
      new AppError('auth.forbidden', 403, 'Files belong to a tenant; sign in to a tenant account.'),
    );
  }
  done();
}
