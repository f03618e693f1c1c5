import { describe, expect, it } from 'vitest';
import { parseQueuedEvent, queuedEventSchema, toQueuedEvent, UnqueueableNotificationError } from '../../lib/events/queued-event';
import { notificationSchema, type Notification } from '../../lib/intercom/notification.schema';
import { conversationPayload, loadExample, partPayload, sourcePayload } from '../support/factories';

const RECEIVED = new Date('2026-01-10T08:30:00.000Z');

function example(fileName: string): Notification {
  return notificationSchema().parse(loadExample(fileName));
}

/** Every string of the item longer than an id: what must not reach the queue. */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.includes(' ') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(textsOf);
  return [];
}

describe('the queued form of a notification', () => {
  it.each([
    'webhook-conversation.operator.replied.zulip-2026.json',
    'webhook-conversation.admin.replied.zulip-2019-v1shape.json',
    'webhook-conversation.admin.noted.zulip-2019-v1shape.json',
    'webhook-conversation_part.redacted.zulip-2026.json',
    'webhook-conversation_part.tag.created.zulip-2019-v1shape.json',
    'webhook-conversation_part.tag.created.hull-2020-v1shape.json',
  ])('keeps ids and times only of %s', (fileName) => {
    const notification = example(fileName);
    const queued = toQueuedEvent('ws_1', RECEIVED, notification);
    const text = JSON.stringify(queued);
    const texts = textsOf(notification.data.item);
    expect(texts.length).toBeGreaterThan(0);
    for (const body of texts) expect(text).not.toContain(body);
    expect(queued).toMatchObject({
      kind: 'conversation',
      workspaceId: 'ws_1',
      receivedAt: RECEIVED.toISOString(),
      conversationId: String((notification.data.item as { id: unknown }).id),
      notification: { id: notification.id, topic: notification.topic, app_id: notification.app_id, created_at: notification.created_at },
    });
    expect(queuedEventSchema().parse(JSON.parse(text))).toEqual(queued);
  });

  it('keeps the delivery fields Intercom sends', () => {
    const queued = toQueuedEvent('ws_1', RECEIVED, example('webhook-conversation_part.redacted.zulip-2026.json'));
    expect(queued.notification).toEqual({
      id: expect.any(String),
      topic: 'conversation_part.redacted',
      app_id: 'abc123def',
      created_at: expect.any(Number),
      delivery_attempts: 1,
      first_sent_at: 1768033205,
    });
  });

  it('carries the applied tags of a tag notification, with the notification time where the payload has none', () => {
    const notification = example('webhook-conversation_part.tag.created.zulip-2019-v1shape.json');
    expect(toQueuedEvent('ws_1', RECEIVED, notification)).toMatchObject({ appliedTags: [{ id: '2525085', appliedAt: notification.created_at }] });
    const unnamed = { ...notification, data: { ...notification.data, item: conversationPayload() } };
    expect(toQueuedEvent('ws_1', RECEIVED, unnamed)).toMatchObject({ appliedTags: null });
  });

  it('carries the redacted part ids and the first message when it was redacted', () => {
    const notification = example('webhook-conversation_part.redacted.zulip-2026.json');
    expect(toQueuedEvent('ws_1', RECEIVED, notification)).toMatchObject({ redacted: { partIds: ['37358539897'], sourceId: null } });
    const source = { ...notification, data: { ...notification.data, item: conversationPayload({ source: sourcePayload({ redacted: true }), parts: [] }) } };
    expect(toQueuedEvent('ws_1', RECEIVED, source)).toMatchObject({ redacted: { partIds: [], sourceId: '3381828792' } });
  });

  it('keeps a contact notification’s item, and refuses a conversation topic whose item is not a conversation', () => {
    const contact = notificationSchema().parse({ ...loadExample<Record<string, unknown>>('webhook-conversation.operator.replied.zulip-2026.json'), topic: 'contact.user.created' });
    expect(toQueuedEvent('ws_1', RECEIVED, contact)).toMatchObject({ kind: 'contact', item: contact.data.item });
    const { id: _id, ...withoutId } = conversationPayload({ parts: [partPayload()] });
    const broken = { ...example('webhook-conversation.operator.replied.zulip-2026.json'), data: { type: 'notification_event_data', item: withoutId } };
    expect(() => toQueuedEvent('ws_1', RECEIVED, broken)).toThrow(UnqueueableNotificationError);
  });

  it('reads a message of the former form (the whole envelope) as its ids and times, and nothing else of it', () => {
    const notification = loadExample<Record<string, unknown>>('webhook-conversation.operator.replied.zulip-2026.json');
    const legacy = { workspaceId: 'ws_1', receivedAt: RECEIVED.toISOString(), notification };
    const parsed = parseQueuedEvent(JSON.parse(JSON.stringify(legacy)));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(toQueuedEvent('ws_1', RECEIVED, notificationSchema().parse(notification)));
    expect(parseQueuedEvent({ workspaceId: 'ws_1', notification: { id: 'n', topic: 'conversation.user.replied' } }).success).toBe(false);
  });
});
