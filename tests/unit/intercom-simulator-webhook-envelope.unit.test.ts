import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildNotificationEnvelope,
  signNotification,
  signWebhookBody,
  webhookHeaders,
} from '../../dev/intercom-simulator/webhook-envelope';

describe('signWebhookBody', () => {
  it('matches the published HMAC-SHA1 test vector', () => {
    expect(signWebhookBody('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9',
    );
  });

  it('signs the raw UTF-8 bytes of the body', () => {
    const body = '{"name":"Zoë","note":"naïve — ok"}';
    const expected = createHmac('sha1', 's3cret').update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signWebhookBody(body, 's3cret')).toBe(`sha1=${expected}`);
    expect(signWebhookBody(Buffer.from(body, 'utf8'), 's3cret')).toBe(`sha1=${expected}`);
  });

  it('changes with the secret', () => {
    expect(signWebhookBody('{}', 'a')).not.toBe(signWebhookBody('{}', 'b'));
  });
});

describe('buildNotificationEnvelope', () => {
  const item = { type: 'contact', id: '6961d4041c1e12de4c5499cc' };

  it('has the fields of a captured Intercom notification, in the same order', () => {
    const envelope = buildNotificationEnvelope({ appId: 'abc123def', topic: 'contact.user.created', item, createdAt: 1768018948 });
    expect(Object.keys(envelope)).toEqual([
      'type',
      'app_id',
      'data',
      'links',
      'id',
      'topic',
      'delivery_status',
      'delivery_attempts',
      'delivered_at',
      'first_sent_at',
      'created_at',
      'self',
    ]);
    expect(envelope).toMatchObject({
      type: 'notification_event',
      app_id: 'abc123def',
      data: { type: 'notification_event_data', item },
      links: {},
      topic: 'contact.user.created',
      delivery_status: 'pending',
      delivery_attempts: 1,
      delivered_at: 0,
      first_sent_at: 1768018948,
      created_at: 1768018948,
      self: null,
    });
    expect(envelope.id).toMatch(/^notif_[0-9a-f-]{36}$/);
  });

  it('sends ping with a null id and delivery status', () => {
    const envelope = buildNotificationEnvelope({ appId: 'a', topic: 'ping', item: { type: 'ping', message: 'hi' }, id: 'notif_x' });
    expect(envelope.id).toBeNull();
    expect(envelope.delivery_status).toBeNull();
  });

  it('keeps a given notification id so duplicates can be built', () => {
    const envelope = buildNotificationEnvelope({ appId: 'a', topic: 'contact.deleted', item, id: 'notif_fixed' });
    expect(envelope.id).toBe('notif_fixed');
  });
});

describe('signNotification', () => {
  it('signs exactly the serialized body it returns, with Intercom headers', () => {
    const envelope = buildNotificationEnvelope({ appId: 'a', topic: 'ping', item: { type: 'ping', message: 'x' }, createdAt: 1 });
    const signed = signNotification(envelope, 'secret');
    expect(JSON.parse(signed.body)).toEqual(envelope);
    const expected = createHmac('sha1', 'secret').update(signed.body).digest('hex');
    expect(signed.headers).toEqual({
      'User-Agent': 'intercom-parrot-service-client/1.0',
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-Hub-Signature': `sha1=${expected}`,
    });
    expect(webhookHeaders(signed.body, 'secret')).toEqual(signed.headers);
  });
});
