import type { Random } from './random.js';

/*
 * Ids (and file links) seen in successful answers, by resource, so that generated path parameters and
 * references name things that exist often enough to get past the "not found" answers.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILE_LINK = /\/api\/v1\/files\/(public|signed)\/([^?#\s"]+)/;
const KEEP = 200;

// Path segments that are actions or views, not resources (`/users/{id}/deactivate` answers a user).
const ACTIONS = new Set([
  'deactivate',
  'reactivate',
  'erase',
  'data-export',
  'signed-url',
  'order',
  'setup',
  'enable',
  'disable',
  'password',
  'logout',
  'logout-all',
  'login',
  'refresh',
  'mfa',
  'import',
  'export',
  'roles',
  'auth',
  'platform',
  'admin',
  'api',
  'v1',
]);

/** The resource an operation's answers are about: its last path segment that names one. */
export function resourceOfPath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '' && !s.startsWith('{') && !ACTIONS.has(s));
  return segments[segments.length - 1] ?? 'root';
}

/** The resource a reference field names: `brandId` → brands, `categoryIds` → categories. */
export function resourceOfField(name: string): string {
  if (name === 'parentId') return 'categories';
  if (name === 'actorId' || name === 'createdBy') return 'users';
  const base = name.replace(/Ids?$/, '');
  const word = (base.match(/[A-Z]?[a-z]+$/)?.[0] ?? base).toLowerCase();
  return word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`;
}

export class IdPool {
  private readonly byResource = new Map<string, string[]>();
  /** The ids listed inside a thing, by its id and their resource: a product's variants and images. */
  private readonly children = new Map<string, Map<string, string[]>>();
  private readonly links = { public: [] as string[], signed: [] as string[] };

  private add(list: string[], value: string): void {
    if (list.includes(value)) return;
    list.push(value);
    if (list.length > KEEP) list.shift();
  }

  addId(resource: string, id: string): void {
    let list = this.byResource.get(resource);
    if (!list) {
      list = [];
      this.byResource.set(resource, list);
    }
    this.add(list, id);
  }

  private addChild(parentId: string, resource: string, id: string): void {
    let byResource = this.children.get(parentId);
    if (!byResource) {
      byResource = new Map();
      this.children.set(parentId, byResource);
      if (this.children.size > KEEP * 10) this.children.delete(this.children.keys().next().value as string);
    }
    const list = byResource.get(resource) ?? [];
    byResource.set(resource, list);
    this.add(list, id);
  }

  /** A known id of the resource inside `parentId` (a variant of that product), if any. */
  pickChild(rng: Random, parentId: string, resource: string): string | undefined {
    const list = this.children.get(parentId)?.get(resource);
    return list && list.length > 0 ? rng.pick(list) : undefined;
  }

  /** A known id of the resource (or, now and then, of any resource), never one of `excluded`. */
  pick(rng: Random, resource: string, excluded: Set<string>): string | undefined {
    const own = this.byResource.get(resource);
    const list =
      own && own.length > 0 && rng.chance(0.9)
        ? own
        : rng.pick([...this.byResource.values(), []] as string[][]);
    const choices = list.filter((id) => !excluded.has(id));
    return choices.length > 0 ? rng.pick(choices) : undefined;
  }

  link(rng: Random, kind: 'public' | 'signed'): string | undefined {
    const list = this.links[kind];
    return list.length > 0 && rng.chance(0.8) ? rng.pick(list) : undefined;
  }

  /** Takes the ids and file links out of a successful answer about `resource`. */
  harvest(value: unknown, resource: string, depth = 0, parentId?: string): void {
    if (depth > 8 || value === null || typeof value !== 'object') {
      if (typeof value === 'string') {
        const link = FILE_LINK.exec(value);
        if (link) this.add(this.links[link[1] as 'public' | 'signed'], link[2] as string);
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.harvest(item, resource, depth + 1, parentId);
      return;
    }
    const ownId =
      typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string' && UUID.test(item)) {
        if (key === 'id') {
          this.addId(resource, item);
          if (parentId) this.addChild(parentId, resource, item);
        } else if (/Ids?$/.test(key) || key === 'createdBy') this.addId(resourceOfField(key), item);
      } else if (Array.isArray(item) && /Ids$/.test(key)) {
        for (const id of item)
          if (typeof id === 'string' && UUID.test(id)) this.addId(resourceOfField(key), id);
      } else if (Array.isArray(item)) {
        // A list under a plural name holds that resource (`variants: [{ id }]`); `items` is a page's.
        this.harvest(item, key === 'items' ? resource : key, depth + 1, key === 'items' ? undefined : ownId);
      } else {
        // An object under a singular name is one of that resource (`user: { id }`).
        this.harvest(item, key === 'data' ? resource : resourceOfField(key), depth + 1);
      }
    }
  }
}
