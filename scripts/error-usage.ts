/**
 * Finds every error code the server's source can answer, with its status, by reading the code
 * (TypeScript's parser, not a text search, so that line breaks and helpers do not hide a code).
 *
 * A code is made where an `AppError` is built (`new AppError(code, status, …)`, `super(code, status, …)`
 * in a subclass) or a problem is built directly (`buildProblem(code, status, …)`). A function that
 * passes one of its parameters on as the code or status (catalog's `taken(code, field, detail)`) is
 * followed to its callers, through imports and re-exports, as many levels deep as it goes. A group
 * from `defineErrors` makes codes through `group.error('code', …)`, with the status the group gives.
 *
 * What is left — a code or status read from a table, a variable, an expression — cannot be read
 * from the site itself. Each such site must be explained in INDIRECT below, or the scan reports it
 * as unread: a new one fails the check instead of slipping through.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface CodeUse {
  code: string;
  /** The status answered; `null` when the site answers whatever status it is given (see INDIRECT). */
  status: number | null;
  /** `src/…/file.ts:line`, for messages. */
  where: string;
}

export interface UnreadSite {
  where: string;
  /** What could not be read: the code or the status, and its expression. */
  what: string;
}

export interface ErrorUses {
  uses: CodeUse[];
  unread: UnreadSite[];
  /** INDIRECT entries that no site matches any more: stale explanations. */
  staleExplanations: string[];
  /** Where each code is declared (`defineErrors` calls), by code; a code declared twice has both files. */
  declaredIn: Map<string, string[]>;
}

/** The source files that run in the server: what `tsconfig.json` builds. */
const EXCLUDED = /(\.test\.ts|\.fixtures\.ts|[/\\]fixtures\.ts|\.d\.ts)$/;

/** What an explained site makes: codes with their statuses (`status` absent: the site's own). */
type Explanation = (file: ts.SourceFile) => { code: string; status?: number | null }[];

/**
 * Sites whose code or status is not a literal, keyed by file and by the expression's text, and where
 * their codes really come from. Passing an `AppError` through adds no code of its own.
 */
const INDIRECT: Record<string, Record<string, Explanation>> = {
  'src/kernel/http/problem-handler.ts': {
    // An AppError thrown anywhere is answered as it was made; its site is scanned where it is.
    'error.code': () => [],
    'error.status': () => [],
    // Fastify's own errors, mapped one by one in FASTIFY_CODES.
    'known.code': (file) => tableEntries(file, 'FASTIFY_CODES'),
    'known.status': () => [],
    // Any other 4xx a framework or plugin error carries (a bad Content-Encoding is 415, a form sent to a
    // multipart route 406, …): the status is the error's own, so the registry lists the known ones.
    status: () => [{ code: 'request.bad_request', status: null }],
  },
  'src/kernel/http/client-errors.ts': {
    // What Node's HTTP parser refuses: PARSER_REFUSALS by its error code, else MALFORMED.
    'refusal.code': (file) => [...tableEntries(file, 'PARSER_REFUSALS'), ...objectEntry(file, 'MALFORMED')],
    'refusal.status': () => [],
  },
  'src/kernel/error-registry.ts': {
    // A group's error(): its callers are scanned as `group.error('code', …)` where they are.
    code: () => [],
    'spec.status': () => [],
    status: () => [],
  },
  'src/modules/catalog/errors.ts': {
    'NOT_FOUND_CODES[entity]': (file) => tableEntries(file, 'NOT_FOUND_CODES'),
    // Unique indexes a race can violate, each with the 409 its pre-check answers.
    'known.code': (file) => tableEntries(file, 'UNIQUE_VIOLATIONS'),
  },
};

/** Codes in a top-level object literal `const name = { key: 'code' | { code: 'code', status?: n } }`. */
function tableEntries(file: ts.SourceFile, name: string): { code: string; status?: number }[] {
  const table = topLevelConst(file, name);
  if (!table || !ts.isObjectLiteralExpression(table)) throw new Error(`${file.fileName}: no table ${name}`);
  return table.properties.flatMap((property) => {
    if (!ts.isPropertyAssignment(property)) return [];
    const value = property.initializer;
    if (ts.isStringLiteralLike(value)) return [{ code: value.text }];
    if (!ts.isObjectLiteralExpression(value)) return [];
    const code = literalProperty(value, 'code');
    const status = literalProperty(value, 'status');
    if (typeof code !== 'string') return [];
    return [typeof status === 'number' ? { code, status } : { code }];
  });
}

/** The code and status of a top-level `const name = { code: 'code', status: n, … }`. */
function objectEntry(file: ts.SourceFile, name: string): { code: string; status?: number }[] {
  const object = topLevelConst(file, name);
  if (!object || !ts.isObjectLiteralExpression(object))
    throw new Error(`${file.fileName}: no object ${name}`);
  const code = literalProperty(object, 'code');
  const status = literalProperty(object, 'status');
  if (typeof code !== 'string') throw new Error(`${file.fileName}: ${name} has no literal code`);
  return [typeof status === 'number' ? { code, status } : { code }];
}

function literalProperty(object: ts.ObjectLiteralExpression, name: string): string | number | undefined {
  for (const property of object.properties) {
    if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name) || property.name.text !== name)
      continue;
    const value = property.initializer;
    if (ts.isStringLiteralLike(value)) return value.text;
    if (ts.isNumericLiteral(value)) return Number(value.text);
  }
  return undefined;
}

function topLevelConst(file: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === name) return declaration.initializer;
    }
  }
  return undefined;
}

function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !EXCLUDED.test(full)) files.push(full);
    }
  };
  walk(path.join(root, 'src'));
  return files.sort();
}

/** Where a maker's code (or status) comes from: one of its arguments, or a value of its own. */
type Source<T> = { arg: number } | { value: T };

/** A function that makes an error: `new AppError(code, status)`, or one that passes its arguments on. */
interface Maker {
  code: Source<string>;
  /** `null`: whatever status the code is registered with (a group's `error()`). */
  status: Source<number | null>;
  /** For a function found to pass its parameter on: where, and under what name. */
  forwards?: { where: string; name: string };
}

/** A place a name can be declared: a file and the name in it. */
const key = (file: string, name: string) => `${file}#${name}`;

class Scan {
  private readonly files = new Map<string, ts.SourceFile>();
  /** Functions that make codes from their arguments, by declaration. */
  private readonly makers = new Map<string, Maker>();
  /** Top-level consts holding a `defineErrors(…)` group, by declaration. */
  private readonly groups = new Set<string>();
  private readonly uses: CodeUse[] = [];
  private readonly unread: UnreadSite[] = [];
  private readonly explained = new Set<string>();
  private readonly declaredIn = new Map<string, string[]>();
  /** Makers some call was resolved to. */
  private readonly called = new Set<string>();

  constructor(root: string) {
    for (const full of sourceFiles(root)) {
      const relative = path.relative(root, full).split(path.sep).join('/');
      this.files.set(
        relative,
        ts.createSourceFile(relative, readFileSync(full, 'utf8'), ts.ScriptTarget.ES2022, true),
      );
    }
    const builtIn: Maker = { code: { arg: 0 }, status: { arg: 1 } };
    this.makers.set(key('src/kernel/errors.ts', 'AppError'), builtIn);
    this.makers.set(key('src/kernel/errors.ts', 'buildProblem'), builtIn);
  }

  run(): ErrorUses {
    for (const [name, file] of this.files) this.findGroups(name, file);
    // Passing makers on: each round may find functions that forward to the ones found so far.
    for (let known = -1; known !== this.makers.size; ) {
      known = this.makers.size;
      for (const [name, file] of this.files) this.visit(name, file, false);
    }
    for (const [name, file] of this.files) this.visit(name, file, true);
    // A function passing its parameter on, with no caller found: its codes would go unseen.
    for (const [target, maker] of this.makers) {
      if (!maker.forwards || this.called.has(target)) continue;
      const what = `code passed to \`${maker.forwards.name}\`, which has no caller the scan can follow`;
      this.unread.push({ where: maker.forwards.where, what });
    }
    const staleExplanations = Object.entries(INDIRECT).flatMap(([file, sites]) =>
      Object.keys(sites)
        .filter((text) => !this.explained.has(`${file}|${text}`))
        .map((text) => `${file}: \`${text}\``),
    );
    return { uses: this.uses, unread: this.unread, staleExplanations, declaredIn: this.declaredIn };
  }

  private findGroups(name: string, file: ts.SourceFile) {
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        if (!ts.isIdentifier(declaration.name) || !init || !ts.isCallExpression(init)) continue;
        const callee = ts.isIdentifier(init.expression)
          ? this.resolve(name, file, init.expression.text)
          : undefined;
        if (callee !== key('src/kernel/error-registry.ts', 'defineErrors')) continue;
        this.groups.add(key(name, declaration.name.text));
        const codes = init.arguments[1];
        if (!codes || !ts.isObjectLiteralExpression(codes)) continue;
        for (const property of codes.properties) {
          const code = property.name && (ts.isStringLiteral(property.name) || ts.isIdentifier(property.name));
          if (!code) continue;
          const text = (property.name as ts.StringLiteral | ts.Identifier).text;
          this.declaredIn.set(text, [...(this.declaredIn.get(text) ?? []), name]);
        }
      }
    }
  }

  /** Walks a file's calls; `record` is false while only looking for forwarding functions. */
  private visit(name: string, file: ts.SourceFile, record: boolean) {
    const walk = (node: ts.Node) => {
      if (ts.isNewExpression(node) || ts.isCallExpression(node)) this.call(name, file, node, record);
      ts.forEachChild(node, walk);
    };
    walk(file);
  }

  private call(
    name: string,
    file: ts.SourceFile,
    node: ts.NewExpression | ts.CallExpression,
    record: boolean,
  ) {
    const args = node.arguments ?? ts.factory.createNodeArray<ts.Expression>();
    const callee = node.expression;
    // group.error('code', …) takes a status first only for a code registered with several.
    if (
      ts.isPropertyAccessExpression(callee) &&
      callee.name.text === 'error' &&
      ts.isIdentifier(callee.expression)
    ) {
      const target = this.resolve(name, file, callee.expression.text);
      if (target && this.groups.has(target)) {
        const status = args[1] && ts.isNumericLiteral(args[1]) ? { arg: 1 } : { value: null };
        this.make(name, file, node, args, { code: { arg: 0 }, status }, record);
        return;
      }
    }
    const target = this.calleeTarget(name, file, node);
    const maker = target ? this.makers.get(target) : undefined;
    if (!target || !maker) return;
    if (record) this.called.add(target);
    this.make(name, file, node, args, maker, record);
  }

  private make(
    name: string,
    file: ts.SourceFile,
    node: ts.Node,
    args: ts.NodeArray<ts.Expression>,
    maker: Maker,
    record: boolean,
  ) {
    const codeNode = 'arg' in maker.code ? args[maker.code.arg] : undefined;
    const statusNode = 'arg' in maker.status ? args[maker.status.arg] : undefined;
    const codes = 'value' in maker.code ? [maker.code.value] : stringsOf(codeNode);
    const status = 'value' in maker.status ? maker.status.value : numberOf(statusNode);
    const enclosing = enclosingFunction(node);
    const declared = enclosing && functionName(enclosing);
    const codeParam = parameterIndex(enclosing, codeNode);
    const statusParam = parameterIndex(enclosing, statusNode);
    if (declared && (codeParam >= 0 || statusParam >= 0)) {
      // A function passing its parameter on: its callers make the codes.
      const codeSource: Source<string> | undefined =
        codeParam >= 0 ? { arg: codeParam } : codes?.length === 1 ? { value: codes[0] as string } : undefined;
      const statusSource: Source<number | null> | undefined =
        statusParam >= 0 ? { arg: statusParam } : status !== undefined ? { value: status } : undefined;
      if (codeSource && statusSource) {
        const own = key(name, declared);
        if (!record && !this.makers.has(own)) {
          const forwards = { where: this.where(name, file, node), name: declared };
          this.makers.set(own, { code: codeSource, status: statusSource, forwards });
        }
        return;
      }
    }
    if (!record) return;
    const where = this.where(name, file, node);
    const explain = (expression: ts.Expression | undefined) => {
      const text = expression ? expression.getText(file) : '(none)';
      const explanation = INDIRECT[name]?.[text];
      if (explanation) this.explained.add(`${name}|${text}`);
      return { text, entries: explanation?.(file) };
    };
    let statusEntries: { code: string; status?: number | null }[] = [];
    if (status === undefined) {
      const { text, entries } = explain(statusNode);
      if (!entries) {
        this.unread.push({ where, what: `status \`${text}\`` });
        return;
      }
      statusEntries = entries;
    }
    if (codes) {
      for (const code of codes) {
        const given = statusEntries.find((entry) => entry.code === code);
        this.uses.push({ code, status: status ?? given?.status ?? null, where });
      }
      return;
    }
    const { text, entries } = explain(codeNode);
    if (!entries) {
      this.unread.push({ where, what: `code \`${text}\`` });
      return;
    }
    for (const entry of entries)
      this.uses.push({ code: entry.code, status: entry.status ?? status ?? null, where });
  }

  private where(name: string, file: ts.SourceFile, node: ts.Node): string {
    return `${name}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  }

  /** The declaration a call's callee names: `f(…)`, `new F(…)`, `super(…)`, `ns.f(…)`. */
  private calleeTarget(name: string, file: ts.SourceFile, node: ts.NewExpression | ts.CallExpression) {
    const callee = node.expression;
    if (callee.kind === ts.SyntaxKind.SuperKeyword) {
      const base = baseClass(node);
      return base ? this.resolve(name, file, base) : undefined;
    }
    if (ts.isIdentifier(callee)) return this.resolve(name, file, callee.text);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const namespace = importOf(file, callee.expression.text);
      if (namespace?.imported === '*')
        return this.resolveExport(this.moduleFile(name, namespace.from), callee.name.text);
    }
    return undefined;
  }

  /** Where a name used in a file is declared: there, or in the file it is imported from. */
  private resolve(name: string, file: ts.SourceFile, local: string): string | undefined {
    const imported = importOf(file, local);
    if (imported) {
      if (imported.imported === '*') return undefined;
      return this.resolveExport(this.moduleFile(name, imported.from), imported.imported);
    }
    return key(name, local);
  }

  private resolveExport(moduleName: string | undefined, exported: string, depth = 0): string | undefined {
    if (!moduleName || depth > 10) return undefined;
    const file = this.files.get(moduleName);
    if (!file) return undefined;
    for (const statement of file.statements) {
      if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue;
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      const clause = statement.exportClause;
      if (!clause) {
        const found = this.resolveExport(this.moduleFile(moduleName, from), exported, depth + 1);
        if (found && this.declares(found)) return found;
        continue;
      }
      if (!ts.isNamedExports(clause)) continue;
      for (const element of clause.elements) {
        if (element.name.text !== exported) continue;
        return this.resolveExport(
          this.moduleFile(moduleName, from),
          (element.propertyName ?? element.name).text,
          depth + 1,
        );
      }
    }
    const imported = importOf(file, exported);
    if (imported && imported.imported !== '*') {
      return this.resolveExport(this.moduleFile(moduleName, imported.from), imported.imported, depth + 1);
    }
    return key(moduleName, exported);
  }

  private declares(target: string): boolean {
    const [moduleName, name] = target.split('#') as [string, string];
    const file = this.files.get(moduleName);
    return !!file && file.statements.some((statement) => declaredNames(statement).includes(name));
  }

  /** `./errors.js` seen from a file → `src/…/errors.ts`; packages are not ours. */
  private moduleFile(fromFile: string, specifier: string): string | undefined {
    if (!specifier.startsWith('.')) return undefined;
    const joined = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
    const candidates = [joined.replace(/\.js$/, '.ts'), `${joined}.ts`, `${joined}/index.ts`];
    return candidates.find((candidate) => this.files.has(candidate)) ?? candidates[0];
  }
}

function declaredNames(statement: ts.Statement): string[] {
  if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
    return [statement.name.text];
  }
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) =>
      ts.isIdentifier(d.name) ? [d.name.text] : [],
    );
  }
  return [];
}

function importOf(file: ts.SourceFile, local: string): { from: string; imported: string } | undefined {
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const from = (statement.moduleSpecifier as ts.StringLiteral).text;
    const bindings = statement.importClause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === local)
      return { from, imported: '*' };
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (element.name.text === local)
          return { from, imported: (element.propertyName ?? element.name).text };
      }
    }
  }
  return undefined;
}

type FunctionLike =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.ConstructorDeclaration;

function enclosingFunction(node: ts.Node): FunctionLike | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (
      ts.isFunctionDeclaration(current) ||
      ts.isFunctionExpression(current) ||
      ts.isArrowFunction(current) ||
      ts.isConstructorDeclaration(current)
    ) {
      return current;
    }
  }
  return undefined;
}

/** The name callers use: a function declaration's, a `const f = () => …`'s, or a class's for its constructor. */
function functionName(fn: FunctionLike): string | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  if (ts.isConstructorDeclaration(fn)) {
    const owner = fn.parent;
    return ts.isClassDeclaration(owner) ? owner.name?.text : undefined;
  }
  const holder = fn.parent;
  if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) return holder.name.text;
  return undefined;
}

function parameterIndex(fn: FunctionLike | undefined, expression: ts.Expression | undefined): number {
  if (!fn || !expression || !ts.isIdentifier(expression)) return -1;
  return fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === expression.text);
}

/** A literal, or a choice between literals (`barcode ? 'a' : 'b'`): every code it can be. */
function stringsOf(node: ts.Expression | undefined): string[] | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isParenthesizedExpression(node)) return stringsOf(node.expression);
  if (ts.isConditionalExpression(node)) {
    const whenTrue = stringsOf(node.whenTrue);
    const whenFalse = stringsOf(node.whenFalse);
    return whenTrue && whenFalse ? [...whenTrue, ...whenFalse] : undefined;
  }
  return undefined;
}

function numberOf(node: ts.Expression | undefined): number | undefined {
  return node && ts.isNumericLiteral(node) ? Number(node.text) : undefined;
}

function baseClass(node: ts.Node): string | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (!ts.isClassDeclaration(current) && !ts.isClassExpression(current)) continue;
    for (const clause of current.heritageClauses ?? []) {
      const base = clause.types[0]?.expression;
      if (clause.token === ts.SyntaxKind.ExtendsKeyword && base && ts.isIdentifier(base)) return base.text;
    }
    return undefined;
  }
  return undefined;
}

/** Every error code the sources under `root/src` make, with the sites the scan could not read. */
export function scanErrorUses(root: string): ErrorUses {
  return new Scan(root).run();
}
