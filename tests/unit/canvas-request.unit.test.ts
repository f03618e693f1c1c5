import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { conversationIdOf, initializeRequestSchema, submitRequestSchema } from '../../lib/canvas/canvas-request.schema';
import { isValidCanvasSignature, signCanvasBody } from '../../lib/intercom/canvas-signature';

const body = Buffer.from('{"workspace_id":"abc123","admin":{"id":"9"}}');
const secret = 'client-secret';

describe('X-Body-Signature', () => {
  it('is the hex HMAC-SHA256 of the raw body with the client secret, in either case', () => {
    const expected = createHmac('sha256', secret).update(body).digest('hex');
    expect(signCanvasBody(body, secret)).toBe(expected);
    expect(isValidCanvasSignature(body, expected, secret)).toBe(true);
    expect(isValidCanvasSignature(body, expected.toUpperCase(), secret)).toBe(true);
  });

  it('refuses a missing, malformed, webhook-style or other-secret signature, and a changed body', () => {
    const good = signCanvasBody(body, secret);
    expect(isValidCanvasSignature(body, undefined, secret)).toBe(false);
    expect(isValidCanvasSignature(body, '', secret)).toBe(false);
    expect(isValidCanvasSignature(body, good.slice(0, 63), secret)).toBe(false);
    expect(isValidCanvasSignature(body, `sha256=${good}`, secret)).toBe(false);
    expect(isValidCanvasSignature(body, `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`, secret)).toBe(false);
    expect(isValidCanvasSignature(body, signCanvasBody(body, 'other'), secret)).toBe(false);
    expect(isValidCanvasSignature(Buffer.from(`${body} `), good, secret)).toBe(false);
  });
});

describe('the Canvas Kit request schemas', () => {
  const initialize = { workspace_id: 'abc123', workspace_region: 'us', admin: { id: 991267242, name: 'Ada', email: 'ada@example.com' }, context: { conversation_id: 1295, location: 'conversation' }, conversation: { id: '1295', extra: true }, contact: { id: 'c1' }, card_creation_options: {} };

  it('reads what the service needs and lets every other field pass', () => {
    const parsed = initializeRequestSchema.parse(initialize);
    expect(parsed.admin).toMatchObject({ id: '991267242', name: 'Ada', email: 'ada@example.com' });
    expect(conversationIdOf(parsed)).toBe('1295');
    expect(conversationIdOf(initializeRequestSchema.parse({ ...initialize, conversation: null }))).toBe('1295');
    expect(initializeRequestSchema.parse({ ...initialize, admin: { id: '9', name: null } }).admin).toMatchObject({ name: null, email: null });
  });

  it('refuses a request without a workspace, a teammate or a conversation, and a submit without its component', () => {
    expect(initializeRequestSchema.safeParse({ ...initialize, workspace_id: '' }).success).toBe(false);
    expect(initializeRequestSchema.safeParse({ ...initialize, admin: undefined }).success).toBe(false);
    expect(initializeRequestSchema.safeParse({ ...initialize, conversation: undefined, context: {} }).success).toBe(false);
    expect(initializeRequestSchema.safeParse({ ...initialize, conversation: { id: '../x' } }).success).toBe(false);
    expect(submitRequestSchema.safeParse(initialize).success).toBe(false);
    expect(submitRequestSchema.parse({ ...initialize, component_id: 'send' }).input_values).toEqual({});
  });
});
