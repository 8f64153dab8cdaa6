import { AppError } from './errors.js';

/**
 * How the server's error codes are declared. The kernel and each module declare the codes they answer
 * with `defineErrors` in a file of their own; `src/errors.ts` assembles them. The README's error table
 * and docs/ERRORS.md are generated from that (`npm run docs:errors`), and a test checks that every
 * code the source makes is declared with the statuses it is answered with, and nothing more.
 */

/** What a client developer needs to know about one code. */
export interface ErrorSpec {
  /** The HTTP status it is answered with; a list when the same code answers with several. */
  readonly status: number | readonly number[];
  /** One line: when the server answers with it and what the client can do about it. */
  readonly meaning: string;
}

type Specs = Record<string, ErrorSpec>;
type Extra = Record<string, unknown>;

/** A code with one status needs only the detail; one with several needs the status first. */
type ErrorArgs<S extends ErrorSpec> = S['status'] extends number
  ? [detail: string, extra?: Extra]
  : [status: S['status'] extends readonly (infer N)[] ? N : never, detail: string, extra?: Extra];

export interface ErrorGroup<T extends Specs = Specs> {
  /** The heading of the group's section in docs/ERRORS.md. */
  readonly title: string;
  readonly codes: T;
  /** An AppError with a code of this group and the status the group declares for it. */
  error<C extends keyof T & string>(code: C, ...args: ErrorArgs<T[C]>): AppError;
}

/** Declares codes of one area (requests, users, catalog, …) in the order the docs list them. */
export function defineErrors<const T extends Specs>(title: string, codes: T): ErrorGroup<T> {
  return {
    title,
    codes,
    error(code, ...args) {
      const spec = codes[code] as ErrorSpec | undefined;
      // Only a cast gets here with another code; answering it would answer an undocumented code.
      if (!spec) throw new Error(`${code} is not declared in the error group "${title}"`);
      if (typeof spec.status === 'number') {
        const [detail, extra] = args as [string, Extra?];
        return new AppError(code, spec.status, detail, extra);
      }
      const [status, detail, extra] = args as [number, string, Extra?];
      return new AppError(code, status, detail, extra);
    },
  };
}

export interface RegisteredError {
  code: string;
  /** Ascending. */
  statuses: number[];
  meaning: string;
  /** The title of the group that declares it. */
  group: string;
}

const CODE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/**
 * Every code of the groups, in their order. A code declared twice, a malformed code, a status outside
 * 400–599 or a meaning that is empty or runs over lines is a mistake in the declarations: it throws.
 */
export function assembleErrors(groups: readonly ErrorGroup[]): RegisteredError[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  const registry: RegisteredError[] = [];
  for (const group of groups) {
    for (const [code, spec] of Object.entries(group.codes)) {
      const statuses = [...new Set(typeof spec.status === 'number' ? [spec.status] : spec.status)].sort(
        (a, b) => a - b,
      );
      const earlier = seen.get(code);
      if (earlier) problems.push(`\`${code}\` is declared in "${earlier}" and again in "${group.title}"`);
      if (!CODE.test(code)) problems.push(`\`${code}\` is not a code (lower case words joined by dots)`);
      if (statuses.length === 0 || statuses.some((s) => !Number.isInteger(s) || s < 400 || s > 599)) {
        problems.push(`\`${code}\` needs HTTP error statuses (400–599), not [${statuses.join(', ')}]`);
      }
      if (!spec.meaning.trim() || /\n/.test(spec.meaning)) {
        problems.push(`\`${code}\` needs a meaning of one line`);
      }
      seen.set(code, group.title);
      registry.push({ code, statuses, meaning: spec.meaning.trim(), group: group.title });
    }
  }
  if (problems.length > 0) throw new Error(`Error declarations are wrong:\n- ${problems.join('\n- ')}`);
  return registry;
}
