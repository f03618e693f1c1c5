import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError, UnprocessableError } from '../../lib/platform/errors';
import { errorResponse, parseJsonBody, rawBody } from '../../lib/platform/http';

const event = (body: string | undefined, isBase64Encoded = false) =>
  ({ body, isBase64Encoded }) as unknown as APIGatewayProxyEventV2;

describe('the HTTP error contract', () => {
  it('shows the code, message and details of an HttpError', () => {
    const response = errorResponse(new UnprocessableError('unknown_tag_ids', 'Unknown tags.', { tagIds: ['7'] }));
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'unknown_tag_ids', message: 'Unknown tags.', tagIds: ['7'] } });
    expect(errorResponse(new NotFoundError()).statusCode).toBe(404);
  });

  it('hides everything about an unexpected error', () => {
    const response = errorResponse(new Error('connect ECONNREFUSED secret-host token=abc'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('abc');
    expect(JSON.parse(response.body!).error.code).toBe('internal_error');
  });
});

describe('request bodies', () => {
  const schema = z.strictObject({ accessToken: z.string().min(1) });

  it('decodes base64 bodies byte for byte', () => {
    const bytes = Buffer.from('{"a":"é"}');
    expect(rawBody(event(bytes.toString('base64'), true)).equals(bytes)).toBe(true);
  });

  it('rejects invalid JSON and names each invalid field', () => {
    expect(() => parseJsonBody(event('{'), schema)).toThrow(/not valid JSON/);
    try {
      parseJsonBody(event('{"accessToken":"","extra":1}'), schema);
      expect.unreachable();
    } catch (error) {
      const response = errorResponse(error);
      expect(response.statusCode).toBe(400);
      const paths = JSON.parse(response.body!).error.issues.map((issue: { path: string }) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['body.accessToken', 'body']));
    }
  });
});
