/**
 * Contract validator for the canvases the inbox app answers: Canvas Kit's `initialize_response` and
 * `submit_response` schemas from `tests/fixtures/intercom-canvas-kit-subset.json` (extracted from
 * Intercom's OpenAPI 2.11 by `scripts/extract-canvas-kit-schemas.ts`), translated like the REST
 * schemas (intercom-contract.ts, `toJsonSchema`) and compiled with ajv.
 *
 * One adaptation: the spec lists every component in a `oneOf`, and every component is an object
 * with a `type` enum, so exactly one branch can match a component with a known `type`; the
 * validator keeps the `oneOf` as written. Extra properties are accepted, as the spec sets no
 * `additionalProperties: false`; what the contract catches is an unknown component type, a missing
 * required field (a button without `action`, an option without `text`) or a value outside an enum.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { toJsonSchema } from './intercom-contract';

export const CANVAS_KIT_SUBSET_PATH = join(__dirname, '..', 'fixtures', 'intercom-canvas-kit-subset.json');

const ROOT_ID = 'https://intercom-openapi-subset.invalid/canvas-kit.json';

type Answer = 'initialize_response' | 'submit_response';

let compiled: Record<Answer, ValidateFunction> | undefined;

function validators(): Record<Answer, ValidateFunction> {
  if (compiled) return compiled;
  const subset = JSON.parse(readFileSync(CANVAS_KIT_SUBSET_PATH, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  const definitions = Object.fromEntries(
    Object.entries(subset.components.schemas).map(([name, schema]) => [
      name,
      JSON.parse(JSON.stringify(toJsonSchema(schema)).replaceAll('https://intercom-openapi-subset.invalid/schemas.json', ROOT_ID)),
    ]),
  );
  ajv.addSchema({ $id: ROOT_ID, definitions });
  compiled = {
    initialize_response: ajv.compile({ $ref: `${ROOT_ID}#/definitions/initialize_response` }),
    submit_response: ajv.compile({ $ref: `${ROOT_ID}#/definitions/submit_response` }),
  };
  return compiled;
}

/** Every way `body` breaks Canvas Kit's schema for `answer`; empty when it conforms. */
export function canvasKitErrors(answer: Answer, body: unknown): string[] {
  const validate = validators()[answer];
  if (validate(body)) return [];
  return [...new Set((validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? error.keyword}`))];
}

type Request = 'initialize_request' | 'submit_request';

/**
 * Every way a request body the simulator sends breaks Canvas Kit's request schema: a field the spec
 * requires that is missing, a top-level field whose JSON type is not the spec's, or a `context` that
 * does not match its schema. What the requests reach (admin, conversation, contact) is Intercom's
 * REST serialization, which the REST contract tests check.
 */
export function canvasKitRequestErrors(kind: Request, body: Record<string, unknown>): string[] {
  const subset = JSON.parse(readFileSync(CANVAS_KIT_SUBSET_PATH, 'utf8')) as {
    requests: Record<Request | 'context', { required: string[]; properties: Record<string, { type?: string }> }>;
  };
  const spec = subset.requests[kind];
  const errors = spec.required.filter((name) => !(name in body)).map((name) => `(root) must have required property '${name}'`);
  for (const [name, property] of Object.entries(spec.properties)) {
    if (property.type === undefined || !(name in body)) continue;
    const value = body[name];
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (actual !== property.type) errors.push(`/${name} must be ${property.type}`);
  }
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validateContext = ajv.compile(toJsonSchema(subset.requests.context) as object);
  if (!validateContext(body.context)) errors.push(...(validateContext.errors ?? []).map((error) => `/context${error.instancePath} ${error.message}`));
  return errors;
}
