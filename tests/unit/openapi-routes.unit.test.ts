import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HTTP_METHODS,
  OpenApiContract,
  SERVERLESS_PATH,
  compareRoutes,
  declaredRoutes,
  describedRoutes,
  loadOpenApi,
  parseOpenApi,
  parseServerlessYaml,
  type ObservedResponse,
} from '../support/openapi';

const doc = loadOpenApi();
const serverlessText = readFileSync(SERVERLESS_PATH, 'utf8');

function jsonResponse(status: number, body: unknown): ObservedResponse {
  return { status, headers: new Headers({ 'content-type': 'application/json; charset=utf-8' }), text: JSON.stringify(body) };
}

describe('declaredRoutes', () => {
  it('reads serverless.yml with its CloudFormation tags', () => {
    const config = parseServerlessYaml(serverlessText) as { functions: Record<string, { iamRoleStatements: { Resource: unknown }[] }> };
    expect(config.functions.health!.iamRoleStatements[0]!.Resource).toEqual([
      { 'Fn::GetAtt': ['Table', 'Arn'] },
      { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] },
    ]);
    expect(declaredRoutes(config)).toContain('HEAD /v1/webhooks/intercom/{webhookKey}');
  });

  it('reads both event notations and both API kinds, and keeps catch-alls unmatched', () => {
    const config = parseServerlessYaml(`
functions:
  a:
    events:
      - httpApi: { method: get, path: /v1/a }
      - httpApi: 'POST /v1/a/{id}'
      - http: { method: put, path: /v1/rest }
      - sqs: { arn: !GetAtt Queue.Arn }
  b:
    events:
      - httpApi: '*'
      - httpApi: { method: '*', path: /v1/any }
`);
    expect(declaredRoutes(config)).toEqual(['*', 'ANY /v1/any', 'GET /v1/a', 'POST /v1/a/{id}', 'PUT /v1/rest'].sort());
  });
});

describe('compareRoutes', () => {
  const described = describedRoutes(doc);

  it('reports a route added to serverless.yml without a description', () => {
    const withNewRoute = `${serverlessText.replace(
      /^functions:\n/m,
      "functions:\n  exportTickets:\n    handler: functions/http/export.handler\n    events:\n      - httpApi: { method: GET, path: '/v1/workspaces/{workspaceId}/export' }\n",
    )}`;
    const declared = declaredRoutes(parseServerlessYaml(withNewRoute));
    expect(declared).toContain('GET /v1/workspaces/{workspaceId}/export');
    expect(compareRoutes(declared, described).undescribed).toEqual(['GET /v1/workspaces/{workspaceId}/export']);
  });

  it('tells apart another method and another parameter name on a described path', () => {
    const result = compareRoutes(['PUT /v1/workspaces/{workspaceId}/intercom', 'GET /v1/workspaces/{id}/intercom'], described);
    expect(result.undescribed).toEqual(['PUT /v1/workspaces/{workspaceId}/intercom', 'GET /v1/workspaces/{id}/intercom']);
  });

  it('reports a described route that serverless.yml does not declare', () => {
    expect(compareRoutes(['GET /v1/health'], ['GET /v1/health', 'GET /v1/gone'])).toEqual({ undescribed: [], undeclared: ['GET /v1/gone'] });
  });
});

describe('the API description', () => {
  const contract = new OpenApiContract(doc);

  it('is OpenAPI 3.1 and declares every path parameter of every operation', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const resolve = (parameter: unknown) => {
      const ref = (parameter as { $ref?: string }).$ref;
      return (ref ? doc.components?.parameters?.[ref.replace('#/components/parameters/', '')] : parameter) as { name: string; in: string };
    };
    const problems: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const method of HTTP_METHODS.filter((m) => item[m] !== undefined)) {
        const operation = item[method] as { parameters?: unknown[]; operationId?: string };
        const declared = [...((item.parameters as unknown[]) ?? []), ...(operation.parameters ?? [])]
          .map(resolve)
          .filter((parameter) => parameter?.in === 'path')
          .map((parameter) => parameter.name);
        if (declared.sort().join() !== [...templated].sort().join()) problems.push(`${method} ${path}: path parameters ${declared}`);
        if (!operation.operationId) problems.push(`${method} ${path}: no operationId`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('accepts an answer as described', () => {
    expect(contract.check('GET /v1/workspaces/{workspaceId}/intercom/tags', jsonResponse(200, { tags: [{ id: '1', name: 'Bug' }] }))).toEqual([]);
    expect(
      contract.check('GET /v1/workspaces/{workspaceId}/intercom', jsonResponse(401, { error: { code: 'missing_token', message: 'Send a JWT.' } })),
    ).toEqual([]);
  });

  it('refuses an undocumented status, a field of the wrong type, an undocumented field and an unlisted error code', () => {
    const route = 'GET /v1/workspaces/{workspaceId}/intercom/tags';
    expect(contract.check(route, jsonResponse(418, {}))).toEqual([expect.stringContaining('418, which is not documented')]);
    expect(contract.check(route, jsonResponse(200, { tags: [{ id: 1, name: 'Bug' }] }))).toEqual([expect.stringContaining('/tags/0/id')]);
    expect(contract.check(route, jsonResponse(200, { tags: [], total: 0 }))).toEqual([expect.stringContaining('"additionalProperty":"total"')]);
    expect(contract.check(route, jsonResponse(401, { error: { code: 'unauthorized', message: 'No.' } }))).toEqual([
      expect.stringContaining('/error/code'),
    ]);
  });

  it('holds details to their error codes and redacted messages to empty bodies', () => {
    const route = 'PUT /v1/workspaces/{workspaceId}/products/{productId}/intercom-feedback';
    expect(contract.check(route, jsonResponse(422, { error: { code: 'unknown_tag_ids', message: 'Unknown.' } }))).toEqual(
      expect.arrayContaining([expect.stringContaining('"missingProperty":"unknownTagIds"')]),
    );
    const message = { id: '1', author: { type: 'user', name: null, email: null }, kind: 'message', createdAt: '2026-01-01T00:00:00.000Z' };
    const ticket = {
      id: `tkt_${'a'.repeat(26)}`,
      productId: 'prod_a',
      status: 'new',
      title: 'Dark mode',
      excerpt: '',
      customer: null,
      intercom: { appId: 'app', conversationId: '1', url: 'https://app.intercom.com/a/inbox/app/inbox/conversation/1', tagIds: [], deletedAt: null },
      source: 'inbox_app',
      sentBy: { adminId: '9', name: 'Ada', email: null },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const ticketRoute = 'GET /v1/workspaces/{workspaceId}/products/{productId}/feedback/{ticketId}';
    expect(contract.check(ticketRoute, jsonResponse(200, { ...ticket, messages: [{ ...message, body: '', redacted: true }] }))).toEqual([]);
    expect(contract.check(ticketRoute, jsonResponse(200, { ...ticket, messages: [{ ...message, body: 'secret', redacted: true }] }))).toEqual(
      expect.arrayContaining([expect.stringContaining('/messages/0/body')]),
    );
    expect(contract.check(ticketRoute, jsonResponse(200, ticket))).toEqual([expect.stringContaining('messages')]);
    const inboxRoute = 'GET /v1/workspaces/{workspaceId}/products/{productId}/feedback';
    expect(contract.check(inboxRoute, jsonResponse(200, { tickets: [ticket], nextCursor: null }))).toEqual([]);
    expect(contract.check(inboxRoute, jsonResponse(200, { tickets: [{ ...ticket, messages: [] }], nextCursor: null }))).not.toEqual([]);
  });

  it('checks bodiless answers and their required headers', () => {
    const noBody = (status: number, headers: Record<string, string> = {}, text = ''): ObservedResponse => ({ status, headers: new Headers(headers), text });
    expect(contract.check('DELETE /v1/workspaces/{workspaceId}/intercom', noBody(204))).toEqual([]);
    expect(contract.check('DELETE /v1/workspaces/{workspaceId}/intercom', noBody(204, {}, '{}'))).toEqual([
      expect.stringContaining('no body is documented'),
    ]);
    expect(contract.check('GET /v1/intercom/oauth/callback', noBody(302, { location: 'https://app.example/settings' }))).toEqual([]);
    expect(contract.check('GET /v1/intercom/oauth/callback', noBody(302))).toEqual(['header Location is missing']);
  });

  it('fails to load a description whose schema reference is broken', () => {
    const broken = parseOpenApi(`
openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /v1/x:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Missing' }
components: { schemas: {} }
`);
    expect(() => new OpenApiContract(broken)).toThrow(/GET \/v1\/x 200/);
  });
});
