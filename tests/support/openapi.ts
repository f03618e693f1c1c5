/**
 * The API description (`docs/openapi.yaml`) against what the service really declares and answers:
 * the HTTP routes of `serverless.yml`, and the responses of the running API.
 *
 * Routes are compared as API Gateway route keys (`GET /v1/health`), with path parameters spelled as
 * in serverless.yml, so a renamed parameter counts as a different route. Responses are checked with
 * ajv's JSON Schema 2020-12 (the dialect of OpenAPI 3.1): `#/components/schemas/...` references are
 * resolved against the document's own components.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

const ROOT = join(__dirname, '..', '..');
export const OPENAPI_PATH = join(ROOT, 'docs', 'openapi.yaml');
export const SERVERLESS_PATH = join(ROOT, 'serverless.yml');

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type JsonObject = Record<string, unknown>;

export interface OpenApiOperation {
  operationId?: string;
  parameters?: unknown[];
  security?: Array<Record<string, string[]>>;
  responses: Record<string, JsonObject>;
}

export interface OpenApiDocument {
  openapi: string;
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; responses?: Record<string, unknown>; parameters?: Record<string, unknown> };
}

/** A response as the test saw it. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  /** The raw body text; empty for none. */
  text: string;
}

/** CloudFormation's short-form intrinsic functions, as serverless.yml may use them. */
const INTRINSICS = [
  'Base64', 'Cidr', 'Condition', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue',
  'Join', 'Not', 'Or', 'And', 'Ref', 'Select', 'Split', 'Sub', 'Transform',
];

/** YAML tags turning `!Ref X` into `{ Ref: X }` and `!Join [...]` into `{ 'Fn::Join': [...] }`. */
function cloudFormationTags(): Array<ScalarTag | CollectionTag> {
  return INTRINSICS.flatMap((name) => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    const wrap = (value: unknown) =>
      ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
    return [
      { tag: `!${name}`, resolve: (value: string) => wrap(value) } satisfies ScalarTag,
      { tag: `!${name}`, collection: 'seq', resolve: (seq) => wrap(seq.toJSON()) } satisfies CollectionTag,
      { tag: `!${name}`, collection: 'map', resolve: (map) => wrap(map.toJSON()) } satisfies CollectionTag,
    ];
  });
}

/** Parses serverless.yml, CloudFormation tags included; any other YAML problem throws. */
export function parseServerlessYaml(text: string): JsonObject {
  return parse(text, { customTags: cloudFormationTags(), prettyErrors: true }) as JsonObject;
}

/** Parses the API description. */
export function parseOpenApi(text: string): OpenApiDocument {
  return parse(text, { prettyErrors: true }) as OpenApiDocument;
}

export function loadOpenApi(path = OPENAPI_PATH): OpenApiDocument {
  return parseOpenApi(readFileSync(path, 'utf8'));
}

export function loadServerlessConfig(path = SERVERLESS_PATH): JsonObject {
  return parseServerlessYaml(readFileSync(path, 'utf8'));
}

/** `METHOD /path`, the form of an API Gateway route key. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/**
 * Every API Gateway route the functions of a serverless config declare, as route keys. Both event
 * kinds count (`httpApi`, and `http` for a REST API), in either notation (`{ method, path }` or
 * `'GET /path'`); a catch-all comes out as `ANY` or `*` so that no description can match it.
 */
export function declaredRoutes(config: JsonObject): string[] {
  const functions = (config.functions ?? {}) as Record<string, { events?: JsonObject[] } | null>;
  const routes: string[] = [];
  for (const fn of Object.values(functions)) {
    for (const event of fn?.events ?? []) {
      for (const kind of ['httpApi', 'http']) {
        const route = event[kind];
        if (route === undefined) continue;
        if (typeof route === 'string') {
          const [method, path] = route.trim().split(/\s+/);
          routes.push(path === undefined ? route.trim() : routeKey(method === '*' ? 'ANY' : method!, path));
        } else {
          const { method, path } = route as { method?: string; path?: string };
          routes.push(routeKey(!method || method === '*' ? 'ANY' : method, path ?? '*'));
        }
      }
    }
  }
  return [...new Set(routes)].sort();
}

/** Every operation the description documents, as route keys. */
export function describedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths ?? {})
    .flatMap(([path, item]) => HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => routeKey(method, path)))
    .sort();
}

/** Routes declared but not described, and described but not declared. Both empty when they agree. */
export function compareRoutes(declared: string[], described: string[]): { undescribed: string[]; undeclared: string[] } {
  const inDoc = new Set(described);
  const inConfig = new Set(declared);
  return {
    undescribed: declared.filter((route) => !inDoc.has(route)),
    undeclared: described.filter((route) => !inConfig.has(route)),
  };
}

const SCHEMAS_ID = 'urn:openapi:components';
const COMPONENT_SCHEMA_REF = '#/components/schemas/';

/** Points `#/components/schemas/X` at the schema registered under {@link SCHEMAS_ID}. */
function resolveSchemaRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveSchemaRefs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(COMPONENT_SCHEMA_REF)) {
        return [key, `${SCHEMAS_ID}#/$defs/${child.slice(COMPONENT_SCHEMA_REF.length)}`];
      }
      return [key, resolveSchemaRefs(child)];
    }),
  );
}

/**
 * Checks observed responses against the operations of one API description. Compiling it checks
 * every response schema at once, so a broken reference or schema fails at construction.
 */
export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: resolveSchemaRefs(doc.components?.schemas ?? {}) });
    for (const route of describedRoutes(doc)) {
      for (const status of Object.keys(this.operation(route).responses)) this.validator(route, status);
    }
  }

  /** The operation behind a route key; throws if the description has none. */
  operation(route: string): OpenApiOperation {
    const [method, path] = route.split(' ');
    const operation = this.doc.paths[path ?? '']?.[(method ?? '').toLowerCase()] as OpenApiOperation | undefined;
    if (!operation) throw new Error(`${route} is not described in the API description`);
    return operation;
  }

  /** The statuses the operation documents, as written (`200`, `4XX`, `default`). */
  documentedStatuses(route: string): string[] {
    return Object.keys(this.operation(route).responses);
  }

  /** Whether the operation requires the given security scheme (its own list, else the document's). */
  requires(route: string, scheme: string): boolean {
    const security = this.operation(route).security ?? this.doc.security ?? [];
    return security.some((requirement) => scheme in requirement);
  }

  /**
   * Everything wrong with a response to `route`: an undocumented status, a missing required header,
   * a body where none is documented (or none where one is), another media type, or a body that
   * does not match the documented schema. Empty when the response is as described.
   */
  check(route: string, response: ObservedResponse): string[] {
    const status = this.matchStatus(route, response.status);
    if (!status) return [`${route} answered ${response.status}, which is not documented (${this.documentedStatuses(route).join(', ')})`];
    const documented = this.response(route, status);
    const problems: string[] = [];
    for (const [name, header] of Object.entries((documented.headers ?? {}) as Record<string, { required?: boolean }>)) {
      if (header.required && response.headers.get(name) === null) problems.push(`header ${name} is missing`);
    }
    const content = documented.content as Record<string, { schema?: unknown }> | undefined;
    if (!content) {
      if (response.text !== '') problems.push(`no body is documented for ${status}, got ${JSON.stringify(response.text.slice(0, 200))}`);
      return problems;
    }
    const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    if (!(contentType in content)) {
      problems.push(`content-type ${contentType || '(none)'} is not documented for ${status} (${Object.keys(content).join(', ')})`);
      return problems;
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return [...problems, `the body is not JSON: ${JSON.stringify(response.text.slice(0, 200))}`];
    }
    const validate = this.validator(route, status);
    if (!validate(body)) {
      problems.push(
        ...(validate.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`),
      );
    }
    return problems;
  }

  /** The documented key for a status: exact, else its range (`4XX`), else `default`. */
  private matchStatus(route: string, status: number): string | undefined {
    const responses = this.operation(route).responses;
    return [String(status), `${String(status)[0]}XX`, 'default'].find((key) => key in responses);
  }

  /** A response object, following one `#/components/responses/...` reference. */
  private response(route: string, status: string): JsonObject {
    const response = this.operation(route).responses[status]!;
    const ref = response.$ref;
    if (typeof ref !== 'string') return response;
    const name = ref.replace('#/components/responses/', '');
    const target = this.doc.components?.responses?.[name] as JsonObject | undefined;
    if (!target) throw new Error(`${route} ${status}: unresolved ${ref}`);
    return target;
  }

  private validator(route: string, status: string): ValidateFunction {
    const key = `${route} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const content = this.response(route, status).content as Record<string, { schema?: unknown }> | undefined;
      const schema = content?.['application/json']?.schema ?? true;
      try {
        validate = this.ajv.compile(resolveSchemaRefs(schema) as object | boolean);
      } catch (error) {
        throw new Error(`${key}: the documented schema does not compile: ${(error as Error).message}`);
      }
      this.validators.set(key, validate);
    }
    return validate;
  }
}
