/*
 * The operations of an OpenAPI 3.1 document, in the shape the fuzzer works with: parameters by place,
 * the request body's media type and schema, and the documented responses.
 */

export type Schema = Record<string, unknown>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** The document's path, with `{name}` placeholders. */
  path: string;
  /** operationId when the document gives one, else `METHOD path`. */
  id: string;
  /** JSON pointer of the operation in the document, as a URI fragment (for schema references). */
  pointer: string;
  parameters: Parameter[];
  body?: { required: boolean; mediaType: string; schema: Schema };
  /**
   * Status (or `4XX`, `default`) → media type → the schema and its JSON pointer (as a URI fragment);
   * an entry without content has no body.
   */
  responses: Record<string, Record<string, { schema: Schema | undefined; pointer: string }>>;
  /** Whether the operation declares that it takes credentials. */
  secured: boolean;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** A JSON pointer segment as it goes into a URI fragment (`{` and `}` percent-encoded). */
export function pointerSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/** Follows local `$ref`s until an object that is not one; also says where it ended up. */
function follow(
  document: OpenApiDocument,
  value: Schema | undefined,
  pointer: string,
): { value: Schema; pointer: string } {
  let current: Schema = value ?? {};
  let at = pointer;
  for (let hops = 0; typeof current['$ref'] === 'string' && hops < 20; hops++) {
    const ref = current['$ref'] as string;
    if (!ref.startsWith('#/')) throw new Error(`unsupported reference ${ref}`);
    let target: unknown = document;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = (target as Record<string, unknown>)[key];
    }
    current = (target as Schema) ?? {};
    at = ref;
  }
  return { value: current, pointer: at };
}

/** Follows local `$ref`s until a schema that is not one. */
export function resolverOf(document: OpenApiDocument): (schema: Schema | undefined) => Schema {
  return (schema) => follow(document, schema, '#').value;
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = ((item as Record<string, unknown>)['parameters'] as Record<string, unknown>[]) ?? [];
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const operation = raw as Record<string, unknown>;
      const pointer = `#/paths/${pointerSegment(path)}/${method}`;
      const parameters = [...shared, ...((operation['parameters'] as Schema[]) ?? [])].map((raw) => {
        const parameter = follow(document, raw, '').value;
        return {
          name: parameter['name'] as string,
          in: parameter['in'] as Parameter['in'],
          required: parameter['required'] === true,
          schema: (parameter['schema'] as Schema) ?? {},
        };
      });
      const requestBody = follow(document, operation['requestBody'] as Schema | undefined, '').value as {
        required?: boolean;
        content?: Record<string, { schema?: Schema }>;
      };
      const [mediaType, media] = Object.entries(requestBody.content ?? {})[0] ?? [];
      const responses: Operation['responses'] = {};
      for (const [status, raw] of Object.entries((operation['responses'] as Record<string, Schema>) ?? {})) {
        const response = follow(document, raw, `${pointer}/responses/${status}`);
        const content = (response.value['content'] as Record<string, { schema?: Schema }> | undefined) ?? {};
        responses[status] = Object.fromEntries(
          Object.entries(content).map(([type, entry]) => [
            type,
            { schema: entry.schema, pointer: `${response.pointer}/content/${pointerSegment(type)}/schema` },
          ]),
        );
      }
      const security = (operation['security'] as unknown[] | undefined) ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        id: (operation['operationId'] as string | undefined) ?? `${method.toUpperCase()} ${path}`,
        pointer,
        parameters,
        ...(mediaType
          ? { body: { required: requestBody.required === true, mediaType, schema: media?.schema ?? {} } }
          : {}),
        responses,
        secured: security.length > 0,
      });
    }
  }
  return operations;
}
