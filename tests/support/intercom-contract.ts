/**
 * Contract validator for the Intercom REST responses this service depends on.
 *
 * It compiles the response schemas in `tests/fixtures/intercom-openapi-subset.json` (extracted from
 * Intercom's official OpenAPI 2.16 description by `scripts/extract-intercom-schemas.ts`) with ajv.
 * OpenAPI 3.0 schemas are not JSON Schema, so `toJsonSchema` translates them; every place where
 * the translation deviates from a literal reading of the spec is documented there.
 *
 * Extra properties: the spec never sets `additionalProperties: false` on these schemas, so fields
 * it does not list are accepted. That matches Intercom, which adds fields without a version bump.
 * What the contract catches is a listed field with the wrong type, a missing required field, or a
 * value outside a listed enum.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';

/**
 * The Intercom operations the service calls, as `METHOD /path` with the spec's parameter names
 * (the reply: write-back's link-back note, and the permission probe).
 */
export const INTERCOM_OPERATIONS = [
  'GET /me',
  'GET /admins',
  'GET /tags',
  'GET /contacts',
  'POST /contacts/search',
  'GET /contacts/{contact_id}',
  'GET /conversations/{conversation_id}',
  'POST /conversations/search',
  'POST /conversations/{conversation_id}/reply',
] as const;

export type IntercomOperation = (typeof INTERCOM_OPERATIONS)[number];

/**
 * Which schema a response was checked against: the one the spec documents for that operation and
 * status, or the shared `error` schema for an error status the operation does not document.
 */
export type IntercomSchemaSource = 'documented' | 'error-fallback';

export interface IntercomValidationResult {
  valid: boolean;
  /** One line per problem, each starting with the JSON pointer of the offending field. */
  errors: string[];
  /** Absent when no schema applies (an undocumented non-error status). */
  schemaSource?: IntercomSchemaSource;
}

interface OpenApiSubset {
  source: string;
  operations: Record<string, { responses: Record<string, unknown> }>;
  components: { schemas: Record<string, unknown> };
}

type JsonObject = Record<string, unknown>;

export const INTERCOM_OPENAPI_SUBSET_PATH = join(__dirname, '..', 'fixtures', 'intercom-openapi-subset.json');

const ROOT_ID = 'https://intercom-openapi-subset.invalid/schemas.json';
const OPENAPI_REF_PREFIX = '#/components/schemas/';
/** `format: email` as checked here; see {@link toJsonSchema}. */
const EMAIL_OR_EMPTY = 'email-or-empty';
/** Marks the `anyOf` wrappers this module adds for `nullable`, so their errors can be dropped. */
const NULLABLE_WRAPPER = 'openapi-nullable';

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set(['items', 'not', 'additionalProperties']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
/** OpenAPI-only annotations with no validation meaning; ajv's strict mode would reject them. */
const OPENAPI_ANNOTATIONS = new Set(['example', 'discriminator', 'externalDocs', 'xml', 'deprecated']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Translates one OpenAPI 3.0 schema object into JSON Schema (draft-07, as ajv reads it).
 *
 * Deviations from a literal reading of the spec, each deliberate:
 * - `nullable: true` becomes a union with `null`: `type: [t, 'null']` (and `null` joins any `enum`)
 *   for a plain typed schema, or `anyOf: [{ type: 'null' }, schema]` when the schema is a `$ref` or
 *   a combinator. OpenAPI 3.0 says siblings of `$ref` are ignored, but the spec writes
 *   `{ $ref, nullable: true }` for fields Intercom really returns as null (`conversation.company`,
 *   `conversation_part.assigned_to`), so the `nullable` is honoured.
 * - `format` on a non-string type is dropped. The spec puts `date-time` and `timestamp` on
 *   integer Unix-seconds fields; the `integer` type already states the contract, and `timestamp`
 *   is not a format ajv knows.
 * - `format: uri` is checked as `uri-reference`. The spec's own examples (and Intercom's
 *   responses) use relative URLs such as `/contacts/{id}/tags` for `url` fields.
 * - A schema with `properties` but no `type` is checked as `type: object`. The spec writes error
 *   items and `allOf` extensions that way; read literally, `errors: ["text"]` would pass.
 * - `format: email` also accepts `""`. For a lead without an address Intercom sends `email: ""` in
 *   conversation `source.author` and part authors (third-party captures of 2.x webhooks, which
 *   share the REST serialization since 2.15); the spec's `format: email` would reject them.
 * - `example`, `x-*` vendor extensions and other OpenAPI-only annotations are dropped.
 * - `$ref: '#/components/schemas/x'` points at `definitions/x` of the one compiled root schema.
 * Ids keep the spec's types (strings, except integers such as `admin_assignee_id`). Where the
 * spec's own example disagrees with its schema (integer `conversation_part.id` in the
 * `GET /conversations/{conversation_id}` example), the schema wins: captured payloads use strings.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (typeof schema === 'boolean') return schema;
  if (!isObject(schema)) throw new Error(`Not a schema: ${JSON.stringify(schema)}`);

  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || OPENAPI_ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref') {
      if (typeof value !== 'string' || !value.startsWith(OPENAPI_REF_PREFIX)) {
        throw new Error(`Unsupported $ref ${JSON.stringify(value)}`);
      }
      out.$ref = `${ROOT_ID}#/definitions/${value.slice(OPENAPI_REF_PREFIX.length)}`;
    } else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = toJsonSchema(value);
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map(toJsonSchema);
    } else {
      out[key] = value;
    }
  }

  if (out.properties !== undefined && out.type === undefined) out.type = 'object';
  if (typeof out.format === 'string' && out.type !== undefined && out.type !== 'string') delete out.format;
  if (out.format === 'uri') out.format = 'uri-reference';
  if (out.format === 'email') out.format = EMAIL_OR_EMPTY;

  if (schema.nullable !== true) return out;
  const isPlainTyped =
    typeof out.type === 'string' && out.$ref === undefined && ![...SCHEMA_LIST_KEYWORDS].some((k) => k in out);
  if (!isPlainTyped) {
    return { $comment: NULLABLE_WRAPPER, anyOf: [{ $comment: NULLABLE_WRAPPER, type: 'null' }, out] };
  }
  out.type = [out.type, 'null'];
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  return out;
}

/**
 * A `nullable` wrapper's own errors ("must be null", "must match a schema in anyOf") only repeat
 * that the non-null branch failed; that branch's errors name the field and the real problem.
 */
function isNullableWrapperNoise(error: ErrorObject): boolean {
  return isObject(error.parentSchema) && error.parentSchema.$comment === NULLABLE_WRAPPER;
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const detail =
    error.keyword === 'enum'
      ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
      : '';
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

/** Compiles the fixture's schemas once and validates Intercom response bodies against them. */
export class IntercomContract {
  private readonly ajv: Ajv;
  private readonly subset: OpenApiSubset;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.subset = loadSubset();
    // allErrors: report every drifted field, not just the first. Strict mode stays fully on so a
    // keyword the translation does not understand fails loudly instead of being ignored.
    // verbose: errors carry their schema, which is how nullable-wrapper noise is recognised.
    this.ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
    addFormats(this.ajv);
    const email = fullFormats.email as RegExp;
    this.ajv.addFormat(EMAIL_OR_EMPTY, {
      type: 'string',
      validate: (value: string) => value === '' || email.test(value),
    });
    const definitions = Object.fromEntries(
      Object.entries(this.subset.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)]),
    );
    this.ajv.addSchema({ $id: ROOT_ID, definitions });
  }

  /** The statuses the spec documents for an operation, as strings (`'200'`, `'401'`, ...). */
  documentedStatuses(operation: IntercomOperation): string[] {
    return Object.keys(this.operation(operation).responses);
  }

  /**
   * Validates a response body against the spec.
   *
   * A status the operation documents uses that schema. Any other 4xx/5xx status uses the shared
   * `error` schema: the spec lists errors per operation incompletely (no 429 anywhere, no 404 on
   * `GET /contacts/{contact_id}`), while every Intercom error body is an `error.list`. Any other
   * undocumented status is reported invalid.
   */
  validate(operation: IntercomOperation, status: number, body: unknown): IntercomValidationResult {
    const documented = this.operation(operation).responses[String(status)];
    let schemaSource: IntercomSchemaSource;
    let key: string;
    if (documented !== undefined) {
      schemaSource = 'documented';
      key = `${operation} ${status}`;
    } else if (status >= 400) {
      schemaSource = 'error-fallback';
      key = 'error';
    } else {
      const documentedList = this.documentedStatuses(operation).join(', ');
      return { valid: false, errors: [`${operation} documents no ${status} response (documented: ${documentedList})`] };
    }

    const validateFn = this.compile(key, documented ?? { $ref: `${OPENAPI_REF_PREFIX}error` });
    const valid = validateFn(body);
    // A field can fail the same check twice (an `allOf` member and its parent both say `object`).
    const reported = (validateFn.errors ?? []).filter((error) => !isNullableWrapperNoise(error)).map(formatError);
    const errors = valid ? [] : [...new Set(reported)];
    return { valid, errors, schemaSource };
  }

  private operation(operation: IntercomOperation): { responses: Record<string, unknown> } {
    const found = this.subset.operations[operation];
    if (!found) throw new Error(`${operation} is not in ${INTERCOM_OPENAPI_SUBSET_PATH}`);
    return found;
  }

  private compile(key: string, openApiSchema: unknown): ValidateFunction {
    let validateFn = this.compiled.get(key);
    if (!validateFn) {
      validateFn = this.ajv.compile(toJsonSchema(openApiSchema) as object);
      this.compiled.set(key, validateFn);
    }
    return validateFn;
  }
}

function loadSubset(): OpenApiSubset {
  const parsed: unknown = JSON.parse(readFileSync(INTERCOM_OPENAPI_SUBSET_PATH, 'utf8'));
  if (!isObject(parsed) || !isObject(parsed.operations) || !isObject(parsed.components)) {
    throw new Error(`${INTERCOM_OPENAPI_SUBSET_PATH} is not an OpenAPI subset; rerun scripts/extract-intercom-schemas.ts`);
  }
  return parsed as unknown as OpenApiSubset;
}

let sharedContract: IntercomContract | undefined;

/** The contract built from the committed fixture, compiled on first use. */
export function intercomContract(): IntercomContract {
  sharedContract ??= new IntercomContract();
  return sharedContract;
}

/** Validates an Intercom response body for `operation` and `status` against the committed fixture. */
export function validateIntercomResponse(
  operation: IntercomOperation,
  status: number,
  body: unknown,
): IntercomValidationResult {
  return intercomContract().validate(operation, status, body);
}

/** Throws an error listing every contract violation when `body` does not match the spec. */
export function assertMatchesIntercomSchema(operation: IntercomOperation, status: number, body: unknown): void {
  const result = validateIntercomResponse(operation, status, body);
  if (!result.valid) {
    throw new Error(
      `Intercom ${operation} ${status} response does not match the spec:\n  ${result.errors.join('\n  ')}`,
    );
  }
}
