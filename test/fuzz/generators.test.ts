import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildOpenApiDocument } from '../../src/openapi.js';
import { type OpenApiDocument, type Operation, operationsOf, resolverOf, type Schema } from './operations.js';
import { matchingString } from './pattern.js';
import { Random } from './random.js';
import { encodeComponent } from './requests.js';
import { ValueMaker } from './values.js';

const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

// The fuzz test is only as good as what it generates: "valid" input must be valid, or the cases meant
// to reach the services stop at validation.
describe('the fuzz test’s generators, on the API’s own document', () => {
  let document: OpenApiDocument;
  let operations: Operation[];
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'test-secret-test-secret-test-secret-0123' });
    document = (await buildOpenApiDocument(config)) as unknown as OpenApiDocument;
    ajv.addSchema(document as unknown as Schema, 'doc');
    operations = operationsOf(document);
  });

  const maker = (seed: number) =>
    new ValueMaker(
      new Random(seed),
      resolverOf(document),
      {
        id: () => undefined,
        email: () => undefined,
        password: () => undefined,
        words: () => undefined,
      },
      'x',
    );

  it('makes a string for every pattern the document uses', () => {
    const patterns = new Set<string>();
    JSON.stringify(document, (key, value) => {
      if (key === 'pattern' && typeof value === 'string') patterns.add(value);
      return value;
    });
    expect(patterns.size).toBeGreaterThan(5);
    const rng = new Random(1);
    for (const pattern of patterns) {
      for (let i = 0; i < 20; i++) {
        const value = matchingString(pattern, rng, { maxLength: 200 });
        expect(value, pattern).toBeDefined();
        expect(new RegExp(pattern, 'u').test(value as string), `${pattern}: ${value}`).toBe(true);
      }
    }
  });

  it('makes valid and boundary JSON bodies that the documented schema accepts', () => {
    let made = 0;
    const refused: string[] = [];
    for (const operation of operations) {
      if (operation.body?.mediaType !== 'application/json') continue;
      const validate = ajv.compile({
        $ref: `doc${operation.pointer}/requestBody/content/application~1json/schema`,
      });
      for (let seed = 0; seed < 30; seed++) {
        const value = maker(seed).make(operation.body.schema, seed % 3 === 0 ? 'boundary' : 'valid');
        made += 1;
        if (!validate(value)) {
          refused.push(
            `${operation.id}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(value).slice(0, 200)}`,
          );
        }
      }
    }
    expect(made).toBeGreaterThan(500);
    expect(refused).toEqual([]);
  });

  it('makes query parameters their schemas accept', () => {
    const refused: string[] = [];
    for (const operation of operations) {
      for (const parameter of operation.parameters.filter((p) => p.in === 'query' || p.in === 'path')) {
        const validate = ajv.compile(resolverOf(document)(parameter.schema));
        for (let seed = 0; seed < 20; seed++) {
          const value = maker(seed).make(parameter.schema, 'valid', parameter.name);
          if (!validate(value)) refused.push(`${operation.id} ${parameter.name}: ${JSON.stringify(value)}`);
        }
      }
    }
    expect(refused).toEqual([]);
  });

  it('encodes an unpaired surrogate the way a careless client does', () => {
    expect(encodeComponent('a\ud800')).toBe('a%ED%A0%80');
    expect(encodeComponent('İ ı')).toBe('%C4%B0%20%C4%B1');
  });
});
