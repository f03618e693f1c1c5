/**
 * Extracts Canvas Kit's schemas (the canvases an inbox app answers, and its requests) from
 * Intercom's official OpenAPI description into a self-contained fixture for the contract tests.
 * Intercom described Canvas Kit in its OpenAPI up to version 2.11 (the source of intercom-client's
 * `InitializeRequest`, `SubmitRequest`, `CanvasObject` and component types); later versions dropped it.
 *
 * Usage: npx tsx scripts/extract-canvas-kit-schemas.ts <path-to-api.intercom.io.2.11.yaml> [output.json]
 *
 * Every schema is kept verbatim, with every $ref it reaches; tests/support/canvas-kit-contract.ts
 * adapts them for the validator.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse } from 'yaml';
import { closeOverRefs } from './extract-intercom-schemas';

const SOURCE =
  'intercom/Intercom-OpenAPI descriptions/2.11/api.intercom.io.yaml @ 8889625a7b931d8649e18726e7f872ff073520fc (2026-08-21); the same schemas generate intercom-client\'s InitializeRequest, SubmitRequest, InitializeResponse, SubmitResponse and CanvasObject (intercom/intercom-node src/api/types)';
const DEFAULT_OUTPUT = 'tests/fixtures/intercom-canvas-kit-subset.json';

/**
 * The answers the contract checks, and everything they reach (the canvas, its content and every
 * component). The requests are left out: they reach the conversation and contact schemas, whose
 * 2.11 text refers to schemas it does not define.
 */
export const CANVAS_KIT_ROOTS = ['initialize_response', 'submit_response'] as const;

/**
 * The requests, kept verbatim but without what they reach (their `$ref`s stay unresolved), and the
 * `context` they carry, which reaches nothing: enough to check the simulator's requests for every
 * field Intercom sends.
 */
export const CANVAS_KIT_REQUESTS = ['initialize_request', 'submit_request', 'context'] as const;

function main(argv: string[]): void {
  const [specPath, outputPath = DEFAULT_OUTPUT] = argv;
  if (!specPath) {
    console.error('Usage: npx tsx scripts/extract-canvas-kit-schemas.ts <api.intercom.io.2.11.yaml> [output.json]');
    process.exitCode = 2;
    return;
  }
  const spec = parse(readFileSync(specPath, 'utf8')) as { openapi: string; info: { version: string }; components: { schemas: Record<string, unknown> } };
  const subset = {
    source: SOURCE,
    generatedBy: 'scripts/extract-canvas-kit-schemas.ts',
    command: `npx tsx scripts/extract-canvas-kit-schemas.ts <path-to>/${basename(specPath)}`,
    openapi: spec.openapi,
    apiVersion: spec.info.version,
    note: 'Schemas are copied verbatim from the spec, with every $ref they reach. Do not edit by hand: rerun the command.',
    roots: CANVAS_KIT_ROOTS,
    components: { schemas: closeOverRefs(CANVAS_KIT_ROOTS, spec.components.schemas) },
    requests: Object.fromEntries(CANVAS_KIT_REQUESTS.map((name) => [name, spec.components.schemas[name]])),
  };
  writeFileSync(resolve(outputPath), `${JSON.stringify(subset, null, 2)}\n`);
  console.log(`Wrote ${outputPath}: ${Object.keys(subset.components.schemas).length} schemas`);
}

if (require.main === module) main(process.argv.slice(2));
