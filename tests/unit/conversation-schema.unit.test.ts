import { describe, expect, it } from 'vitest';
import { conversationSchema, firstMessage, partsOf } from '../../lib/intercom/conversation.schema';
import {
  conversationPayload,
  exampleWebhookItem,
  legacyConversationPayload,
  loadExample,
  parseConversation,
  partPayload,
} from '../support/factories';

describe('conversationSchema', () => {
  it('parses the official 2.16 example and keeps integer part ids as strings', () => {
    const conversation = parseConversation(loadExample('conversation.json'));

    expect(conversation.id).toBe('503');
    expect(partsOf(conversation).map((part) => part.id)).toEqual(['1', '2', '3', '4']);
    expect(conversation.tags?.tags?.[0]).toMatchObject({ id: '123456', applied_at: 1663597223 });
  });

  it.each([
    'webhook-conversation_part.tag.created.zulip-2019-v1shape.json',
    'webhook-conversation_part.tag.created.hull-2020-v1shape.json',
    'webhook-conversation.admin.noted.zulip-2019-v1shape.json',
    'webhook-conversation.admin.replied.zulip-2019-v1shape.json',
    'webhook-conversation_part.redacted.zulip-2026.json',
    'webhook-conversation.operator.replied.zulip-2026.json',
  ])('parses the captured webhook item in %s', (fileName) => {
    const result = conversationSchema().safeParse(exampleWebhookItem(fileName));

    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });

  it('keeps fields it does not know', () => {
    const conversation = parseConversation(conversationPayload({ priority: 'priority' }));

    expect((conversation as Record<string, unknown>).priority).toBe('priority');
  });

  it('rejects a conversation without id or created_at, and a part without created_at', () => {
    const { id: _id, ...withoutId } = conversationPayload();
    const { created_at: _createdAt, ...withoutCreatedAt } = conversationPayload();
    const { created_at: _partCreatedAt, ...partWithoutTime } = partPayload();

    expect(conversationSchema().safeParse(withoutId).success).toBe(false);
    expect(conversationSchema().safeParse(withoutCreatedAt).success).toBe(false);
    expect(conversationSchema().safeParse(conversationPayload({ parts: [partWithoutTime] })).success).toBe(false);
  });

  it('rejects an empty id', () => {
    expect(conversationSchema().safeParse(conversationPayload({ id: '' })).success).toBe(false);
  });
});

describe('firstMessage and partsOf', () => {
  it('take the 2.x `source` as the first message', () => {
    const conversation = parseConversation(conversationPayload());

    expect(firstMessage(conversation)?.id).toBe('3381828792');
  });

  it('take the 1.x `conversation_message` when there is no `source`', () => {
    const conversation = parseConversation(legacyConversationPayload());

    expect(firstMessage(conversation)?.id).toBe('331786931');
  });

  it('answer null and [] for a conversation without a first message or parts', () => {
    const conversation = parseConversation({ id: '1', created_at: 1 });

    expect(firstMessage(conversation)).toBeNull();
    expect(partsOf(conversation)).toEqual([]);
  });
});
