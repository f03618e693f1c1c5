/**
 * Extracts the response schemas of the Intercom operations this service calls from Intercom's
 * official OpenAPI description into a self-contained fixture for the contract tests.
 *
 * Usage: npx tsx scripts/extract-intercom-schemas.ts <path-to-api.intercom.io.2.16.yaml> [output.json]
 *
 * The output keeps every schema verbatim (descriptions and examples included) so a reviewer can
 * diff it against the spec; any adaptation for the validator lives in tests/support, not here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse } from 'yaml';
import { INTERCOM_OPERATIONS } from '../tests/support/intercom-contract';


const SOURCE =
  'intercom/Intercom-OpenAPI descriptions/2.16/api.intercom.io.yaml @ 8889625a7b931d8649e18726e7f872ff073520fc (2026-08-21)';
const DEFAULT_OUTPUT = 'tests/fixtures/intercom-openapi-subset.json';
const SCHEMA_REF_PREFIX = '#/components/schemas/';
const JSON_MEDIA_TYPE = 'application/json';

type JsonObject = Record<string, unknown>;

interface ExtractedOperation {
  method: string;
  path: string;
  operationId: string | undefined;
  /** Status code (as the spec writes it) → the JSON response schema for that status. */
  responses: Record<string, unknown>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(value: unknown, key: string, where: string): JsonObject {
  const next = isObject(value) ? value[key] : undefined;
  if (!isObject(next)) throw new Error(`The spec has no object at ${where}.${key}`);
  return next;
}

/** Collects the names of every `#/components/schemas/*` reference inside `node`. */
export function collectSchemaRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectSchemaRefs(item, into);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref') {
      if (typeof value !== 'string' || !value.startsWith(SCHEMA_REF_PREFIX)) {
        throw new Error(`Unsupported $ref ${JSON.stringify(value)}: only ${SCHEMA_REF_PREFIX}* is handled`);
      }
      into.add(value.slice(SCHEMA_REF_PREFIX.length));
    } else {
      collectSchemaRefs(value, into);
    }
  }
}

/** Returns the named schemas plus every schema they reach, transitively. */
export function closeOverRefs(roots: Iterable<string>, allSchemas: JsonObject): Record<string, unknown> {
  const subset: Record<string, unknown> = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (name in subset) continue;
    const schema = allSchemas[name];
    if (schema === undefined) throw new Error(`Unresolved schema reference: ${SCHEMA_REF_PREFIX}${name}`);
    subset[name] = schema;
    const refs = new Set<string>();
    collectSchemaRefs(schema, refs);
    pending.push(...refs);
  }
  return Object.fromEntries(Object.keys(subset).sort().map((name) => [name, subset[name]]));
}

function extractOperation(spec: JsonObject, operation: string): ExtractedOperation {
  const [method = '', path = ''] = operation.split(' ');
  const op = child(child(spec.paths, path, 'paths'), method.toLowerCase(), `paths.${path}`);
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(child(op, 'responses', `paths.${path}.${method}`))) {
    const schema = isObject(response) && isObject(response.content) ? response.content[JSON_MEDIA_TYPE] : undefined;
    if (!isObject(schema) || schema.schema === undefined) {
      throw new Error(`${operation} ${status} has no ${JSON_MEDIA_TYPE} schema`);
    }
    responses[status] = schema.schema;
  }
  return {
    method: method.toUpperCase(),
    path,
    operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
    responses,
  };
}

/** Builds the fixture object from a parsed OpenAPI document. */
export function buildIntercomSchemaSubset(spec: JsonObject, specPathForCommand: string): JsonObject {
  const allSchemas = child(child(spec, 'components', '$'), 'schemas', 'components');
  const operations = Object.fromEntries(INTERCOM_OPERATIONS.map((op) => [op, extractOperation(spec, op)]));

  const roots = new Set<string>(['error']);
  collectSchemaRefs(operations, roots);

  return {
    source: SOURCE,
    generatedBy: 'scripts/extract-intercom-schemas.ts',
    command: `npx tsx scripts/extract-intercom-schemas.ts ${specPathForCommand}`,
    openapi: spec.openapi,
    apiVersion: isObject(spec.info) ? spec.info.version : undefined,
    note: 'Schemas are copied verbatim from the spec, with every $ref they reach. Do not edit by hand: rerun the command.',
    operations,
    components: { schemas: closeOverRefs(roots, allSchemas) },
  };
}

function main(argv: string[]): void {
  const [specPath, outputPath = DEFAULT_OUTPUT] = argv;
  if (!specPath) {
    console.error('Usage: npx tsx scripts/extract-intercom-schemas.ts <api.intercom.io.2.16.yaml> [output.json]');
    process.exitCode = 2;
    return;
  }
  const spec: unknown = parse(readFileSync(specPath, 'utf8'));
  if (!isObject(spec)) throw new Error(`${specPath} is not an OpenAPI document`);

  // The recorded command names the spec file but not this machine's directory layout.
  const subset = buildIntercomSchemaSubset(spec, `<path-to>/${basename(specPath)}`);
  writeFileSync(resolve(outputPath), `${JSON.stringify(subset, null, 2)}\n`);

  const schemaCount = Object.keys((subset.components as { schemas: object }).schemas).length;
  console.log(`Wrote ${outputPath}: ${INTERCOM_OPERATIONS.length} operations, ${schemaCount} schemas`);
}

if (require.main === module) main(process.argv.slice(2));
