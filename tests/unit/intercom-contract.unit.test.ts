import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INTERCOM_OPENAPI_SUBSET_PATH,
  INTERCOM_OPERATIONS,
  type IntercomOperation,
  assertMatchesIntercomSchema,
  intercomContract,
  toJsonSchema,
  validateIntercomResponse,
} from '../support/intercom-contract';

type Json = Record<string, any>;

const EXAMPLES_DIR = join(__dirname, '..', 'fixtures', 'intercom-examples');

/** A fresh copy of an example, so a test may mutate it. */
function example(file: string): Json {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as Json;
}

/** The official conversation example with its part ids as strings, the schema's type for them. */
function conversationWithStringPartIds(): Json {
  const conversation = example('conversation.json');
  for (const part of conversation.conversation_parts.conversation_parts) part.id = String(part.id);
  return conversation;
}

function contactListOf(...contacts: Json[]): Json {
  return {
    type: 'list',
    data: contacts,
    total_count: contacts.length,
    pages: { type: 'pages', page: 1, per_page: 50, total_pages: 1 },
  };
}

describe('the Intercom OpenAPI subset fixture', () => {
  it('names its source and how it was generated', () => {
    const subset = JSON.parse(readFileSync(INTERCOM_OPENAPI_SUBSET_PATH, 'utf8')) as Json;

    expect(subset.source).toBe(
      'intercom/Intercom-OpenAPI descriptions/2.16/api.intercom.io.yaml @ 8889625a7b931d8649e18726e7f872ff073520fc (2026-08-21)',
    );
    expect(subset.generatedBy).toBe('scripts/extract-intercom-schemas.ts');
    expect(subset.command).toMatch(/^npx tsx scripts\/extract-intercom-schemas\.ts .*api\.intercom\.io\.2\.16\.yaml$/);
    expect(Object.keys(subset.operations)).toEqual([...INTERCOM_OPERATIONS]);
    expect(subset.components.schemas).toHaveProperty('error');
  });

  it('documents the statuses the service relies on', () => {
    const contract = intercomContract();

    expect(contract.documentedStatuses('GET /me')).toEqual(['200']);
    expect(contract.documentedStatuses('POST /contacts/search')).toEqual(['200', '400', '401']);
    expect(contract.documentedStatuses('GET /contacts/{contact_id}')).toEqual(['200', '401', '410']);
    expect(contract.documentedStatuses('GET /conversations/{conversation_id}')).toEqual(['200', '401', '403', '404']);
    expect(contract.documentedStatuses('POST /conversations/search')).toEqual(['200']);
  });

  it('compiles every documented response schema in ajv strict mode', () => {
    const contract = intercomContract();

    for (const operation of INTERCOM_OPERATIONS) {
      for (const status of contract.documentedStatuses(operation)) {
        expect(() => contract.validate(operation, Number(status), {}), `${operation} ${status}`).not.toThrow();
      }
    }
  });
});

describe('official examples', () => {
  const cases: Array<[IntercomOperation, number, string]> = [
    ['GET /me', 200, 'me.json'],
    ['GET /admins', 200, 'admins-list.json'],
    ['GET /tags', 200, 'tags-list.json'],
    ['GET /tags', 401, 'error-401-unauthorized.json'],
    ['GET /contacts', 200, 'contacts-list-page.json'],
    ['POST /contacts/search', 200, 'contacts-search-response.json'],
    ['POST /contacts/search', 400, 'error-400-invalid-sort-order.json'],
    ['GET /contacts/{contact_id}', 200, 'contact.json'],
    ['GET /conversations/{conversation_id}', 403, 'error-403-api-plan-restricted.json'],
    ['GET /conversations/{conversation_id}', 404, 'error-404-not-found.json'],
  ];

  it.each(cases)('%s %i accepts %s', (operation, status, file) => {
    const result = validateIntercomResponse(operation, status, example(file));

    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ valid: true, schemaSource: 'documented' });
  });

  it('accepts the official contact inside a contacts page', () => {
    expect(validateIntercomResponse('GET /contacts', 200, contactListOf(example('contact.json'))).errors).toEqual([]);
  });

  it('checks a 429 against the shared error schema, since no operation here documents one', () => {
    const result = validateIntercomResponse('GET /contacts', 429, example('error-429-rate-limit-exceeded.json'));

    expect(result).toEqual({ valid: true, errors: [], schemaSource: 'error-fallback' });
  });

  it('reports the spec example whose conversation part ids are integers, against its own schema', () => {
    const result = validateIntercomResponse('GET /conversations/{conversation_id}', 200, example('conversation.json'));

    expect(result.errors).toEqual([0, 1, 2, 3].map((i) => `/conversation_parts/conversation_parts/${i}/id must be string`));
  });

  it('accepts that conversation example once its part ids are strings', () => {
    const result = validateIntercomResponse('GET /conversations/{conversation_id}', 200, conversationWithStringPartIds());

    expect(result.errors).toEqual([]);
  });

  it('reports the documentation page whose per_page is a string', () => {
    const result = validateIntercomResponse('GET /contacts', 200, example('pagination-contacts-list-pages.json'));

    expect(result.errors).toEqual(['/pages/per_page must be integer']);
  });
});

describe('type drift is reported with the field that drifted', () => {
  it('a contact whose created_at is an ISO string', () => {
    const contact = example('contact.json');
    contact.created_at = '2024-12-18T15:57:04Z';

    const single = validateIntercomResponse('GET /contacts/{contact_id}', 200, contact);
    const listed = validateIntercomResponse('GET /contacts', 200, contactListOf(example('contact.json'), contact));

    expect(single.valid).toBe(false);
    expect(single.errors).toEqual(['/created_at must be integer']);
    expect(listed.errors).toEqual(['/data/1/created_at must be integer']);
  });

  it('a search result contact whose id is null', () => {
    const contact = example('contact.json');
    contact.id = null;

    const result = validateIntercomResponse('POST /contacts/search', 200, contactListOf(contact));

    expect(result.errors).toEqual(['/data/0/id must be string']);
  });

  it('a tag whose id is a number', () => {
    const tags = example('tags-list.json');
    tags.data[0].id = 102;

    const result = validateIntercomResponse('GET /tags', 200, tags);

    expect(result.errors).toEqual(['/data/0/id must be string']);
  });

  it('a list whose type is not the one the spec fixes', () => {
    const tags = example('tags-list.json');
    tags.type = 'tag.list';

    expect(validateIntercomResponse('GET /tags', 200, tags).errors).toEqual([
      '/type must be equal to one of the allowed values ("list")',
    ]);
  });

  it('a /me app whose id_code is a number', () => {
    const me = example('me.json');
    me.app.id_code = 12345;

    expect(validateIntercomResponse('GET /me', 200, me).errors).toEqual(['/app/id_code must be string']);
  });

  it('a nullable object that arrives as a scalar, reported once per field', () => {
    const me = example('me.json');
    me.app = 'MyApp 1';
    const conversation = conversationWithStringPartIds();
    conversation.company = 'acme';
    conversation.tags.tags[0].applied_by = 5;

    expect(validateIntercomResponse('GET /me', 200, me).errors).toEqual(['/app must be object,null']);
    expect(validateIntercomResponse('GET /conversations/{conversation_id}', 200, conversation).errors).toEqual([
      '/company must be object',
      '/tags/tags/0/applied_by must be object',
    ]);
  });

  it('an admin whose has_inbox_seat is a string', () => {
    const admins = example('admins-list.json');
    admins.admins[0].has_inbox_seat = 'true';

    expect(validateIntercomResponse('GET /admins', 200, admins).errors).toEqual([
      '/admins/0/has_inbox_seat must be boolean',
    ]);
  });

  it('a conversation whose state is outside the enum and whose admin_assignee_id is a string', () => {
    const conversation = conversationWithStringPartIds();
    conversation.state = 'pending';
    conversation.admin_assignee_id = '991267715';

    expect(validateIntercomResponse('GET /conversations/{conversation_id}', 200, conversation).errors).toEqual([
      '/state must be equal to one of the allowed values ("open", "closed", "snoozed")',
      '/admin_assignee_id must be integer',
    ]);
  });

  it('an error body whose errors is not an array', () => {
    const error = example('error-401-unauthorized.json');
    error.errors = error.errors[0];

    const result = validateIntercomResponse('GET /tags', 401, error);

    expect(result.valid).toBe(false);
    expect(result.errors).toEqual(['/errors must be array']);
  });

  it('an error body missing errors, an error without a code, and an error that is a bare string', () => {
    const missing = example('error-404-not-found.json');
    delete missing.errors;
    const noCode = example('error-404-not-found.json');
    delete noCode.errors[0].code;
    const bare = example('error-404-not-found.json');
    bare.errors = ['Resource Not Found'];

    const errorsOf = (body: Json): string[] =>
      validateIntercomResponse('GET /conversations/{conversation_id}', 404, body).errors;
    expect(errorsOf(missing)).toEqual(["(root) must have required property 'errors'"]);
    expect(errorsOf(noCode)).toEqual(["/errors/0 must have required property 'code'"]);
    expect(errorsOf(bare)).toEqual(['/errors/0 must be object']);
  });

  it('an error whose request_id is not a UUID', () => {
    const error = example('error-400-invalid-sort-order.json');
    error.request_id = 'req-1';

    expect(validateIntercomResponse('POST /contacts/search', 400, error).errors).toEqual([
      '/request_id must match format "uuid"',
    ]);
  });

  it('a 429 that is not an error list', () => {
    const result = validateIntercomResponse('GET /tags', 429, { message: 'slow down' });

    expect(result.schemaSource).toBe('error-fallback');
    expect(result.errors).toEqual([
      "(root) must have required property 'type'",
      "(root) must have required property 'errors'",
    ]);
  });
});

describe('what the contract deliberately accepts', () => {
  it('fields the spec does not list, since Intercom adds fields without a version bump', () => {
    const contact = example('contact.json');
    contact.some_future_field = { nested: true };

    expect(validateIntercomResponse('GET /contacts/{contact_id}', 200, contact).valid).toBe(true);
  });

  it('a /me response without app.id_code, because the spec does not require it', () => {
    const me = example('me.json');
    delete me.app.id_code;

    expect(validateIntercomResponse('GET /me', 200, me).valid).toBe(true);
  });

  it('null where the spec marks a field nullable, including beside a $ref and inside allOf', () => {
    const conversation = conversationWithStringPartIds();
    conversation.company = null;
    conversation.tags.tags[0].applied_by = null;
    conversation.conversation_parts.conversation_parts[0].assigned_to = null;
    const me = example('me.json');
    me.app = null;

    expect(validateIntercomResponse('GET /conversations/{conversation_id}', 200, conversation).errors).toEqual([]);
    expect(validateIntercomResponse('GET /me', 200, me).errors).toEqual([]);
  });

  it('an empty author email, as Intercom sends for a lead without one, but not a malformed one', () => {
    const empty = conversationWithStringPartIds();
    empty.source.author.email = '';
    empty.conversation_parts.conversation_parts[0].author.email = '';
    const malformed = conversationWithStringPartIds();
    malformed.source.author.email = 'jane at example.com';

    expect(validateIntercomResponse('GET /conversations/{conversation_id}', 200, empty).errors).toEqual([]);
    expect(validateIntercomResponse('GET /conversations/{conversation_id}', 200, malformed).errors).toEqual([
      '/source/author/email must match format "email-or-empty"',
    ]);
  });

  it('relative URLs in uri fields, while still rejecting text that is no URI reference', () => {
    const relative = example('contact.json');
    relative.tags.url = '/contacts/6762f0d01bb69f9f2193bb7d/tags';
    const broken = example('contact.json');
    broken.tags.url = 'not a url';

    expect(validateIntercomResponse('GET /contacts/{contact_id}', 200, relative).valid).toBe(true);
    expect(validateIntercomResponse('GET /contacts/{contact_id}', 200, broken).errors).toEqual([
      '/tags/url must match format "uri-reference"',
    ]);
  });
});

describe('statuses and the assertion helper', () => {
  it('rejects a success status the operation does not document', () => {
    const result = validateIntercomResponse('GET /me', 201, example('me.json'));

    expect(result.valid).toBe(false);
    expect(result.errors).toEqual(['GET /me documents no 201 response (documented: 200)']);
    expect(result.schemaSource).toBeUndefined();
  });

  it('assertMatchesIntercomSchema throws naming every drifted field and passes a valid body', () => {
    const tags = example('tags-list.json');
    tags.data[0].id = 102;
    tags.data[0].name = ['Manual tag 1'];

    expect(() => assertMatchesIntercomSchema('GET /tags', 200, tags)).toThrow(
      /GET \/tags 200 response does not match the spec:\n {2}\/data\/0\/id must be string\n {2}\/data\/0\/name must be string/,
    );
    expect(() => assertMatchesIntercomSchema('GET /tags', 200, example('tags-list.json'))).not.toThrow();
  });
});

describe('toJsonSchema', () => {
  it('turns a nullable enum into a type union whose enum admits null', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, enum: ['a'], example: 'a', 'x-tags': ['T'] })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
  });

  it('wraps a nullable $ref in anyOf and drops formats on integers', () => {
    expect(toJsonSchema({ $ref: '#/components/schemas/app', nullable: true })).toEqual({
      $comment: 'openapi-nullable',
      anyOf: [
        { $comment: 'openapi-nullable', type: 'null' },
        { $ref: 'https://intercom-openapi-subset.invalid/schemas.json#/definitions/app' },
      ],
    });
    expect(toJsonSchema({ type: 'integer', format: 'date-time' })).toEqual({ type: 'integer' });
  });

  it('rejects a $ref outside components.schemas', () => {
    expect(() => toJsonSchema({ $ref: 'other.yaml#/x' })).toThrow(/Unsupported \$ref/);
  });
});
