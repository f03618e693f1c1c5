import { describe, expect, it } from 'vitest';
import { appliedTagsFromPayload, recentlyAppliedTags, RECENT_TAG_WINDOW_SECONDS } from '../../lib/feedback/applied-tags';
import {
  conversationPayload,
  exampleWebhookItem,
  legacyConversationPayload,
  loadExample,
  parseConversation,
  partPayload,
  tagPayload,
} from '../support/factories';

const NOTIFIED_AT = 1768033204;

describe('appliedTagsFromPayload', () => {
  it('reads 1.x `tags_added` of the captured Zulip payload, applied at the notification time', () => {
    const envelope = loadExample<{ created_at: number }>('webhook-conversation_part.tag.created.zulip-2019-v1shape.json');
    const item = parseConversation(exampleWebhookItem('webhook-conversation_part.tag.created.zulip-2019-v1shape.json'));

    expect(appliedTagsFromPayload(item, envelope.created_at)).toEqual([{ id: '2525085', appliedAt: 1553378744 }]);
  });

  it('reads 1.x `tags_added` of the captured Hull payload', () => {
    const item = parseConversation(exampleWebhookItem('webhook-conversation_part.tag.created.hull-2020-v1shape.json'));

    expect(appliedTagsFromPayload(item, 1596635272)).toEqual([{ id: '4428959', appliedAt: 1596635272 }]);
  });

  it('takes only `tags_added`, not every tag on the conversation', () => {
    const item = parseConversation(
      legacyConversationPayload({ tags: [tagPayload({ id: 'old' }), tagPayload({ id: 'new' })], tagsAdded: [tagPayload({ id: 'new' })] }),
    );

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)?.map((tag) => tag.id)).toEqual(['new']);
  });

  it("prefers a tag's `applied_at` over the notification time", () => {
    const item = parseConversation(legacyConversationPayload({ tagsAdded: [tagPayload({ id: 't1', applied_at: NOTIFIED_AT - 30 })] }));

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toEqual([{ id: 't1', appliedAt: NOTIFIED_AT - 30 }]);
  });

  it('takes `applied_at` from the conversation tag list when the added tag lacks one', () => {
    const item = parseConversation(
      legacyConversationPayload({
        tags: [tagPayload({ id: 't1', applied_at: NOTIFIED_AT - 12 })],
        tagsAdded: [tagPayload({ id: 't1' })],
      }),
    );

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toEqual([{ id: 't1', appliedAt: NOTIFIED_AT - 12 }]);
  });

  it('reads the tags on the notified 2.x part when there is no `tags_added`', () => {
    const item = parseConversation(
      conversationPayload({
        parts: [partPayload({ part_type: 'conversation_tag_added', body: null, tags: [tagPayload({ id: 't2', applied_at: NOTIFIED_AT - 5 })] })],
      }),
    );

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toEqual([{ id: 't2', appliedAt: NOTIFIED_AT - 5 }]);
  });

  it('uses the notification time for a part tag without `applied_at`', () => {
    const item = parseConversation(conversationPayload({ parts: [partPayload({ tags: [tagPayload({ id: 't2' })] })] }));

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toEqual([{ id: 't2', appliedAt: NOTIFIED_AT }]);
  });

  it('reads `item.tag` when neither `tags_added` nor part tags name one', () => {
    const item = parseConversation(conversationPayload({ tag: tagPayload({ id: 't3', applied_at: NOTIFIED_AT - 1 }) }));

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toEqual([{ id: 't3', appliedAt: NOTIFIED_AT - 1 }]);
  });

  it('prefers `tags_added` over part tags and part tags over `item.tag`', () => {
    const both = parseConversation(
      legacyConversationPayload({
        tagsAdded: [tagPayload({ id: 'added' })],
        parts: [partPayload({ tags: [tagPayload({ id: 'on-part' })] })],
        tag: tagPayload({ id: 'item-tag' }),
      }),
    );
    const partAndItem = parseConversation(
      conversationPayload({ parts: [partPayload({ tags: [tagPayload({ id: 'on-part' })] })], tag: tagPayload({ id: 'item-tag' }) }),
    );

    expect(appliedTagsFromPayload(both, NOTIFIED_AT)?.map((tag) => tag.id)).toEqual(['added']);
    expect(appliedTagsFromPayload(partAndItem, NOTIFIED_AT)?.map((tag) => tag.id)).toEqual(['on-part']);
  });

  it('lists a tag named twice once, with its earliest time', () => {
    const item = parseConversation(
      conversationPayload({
        parts: [
          partPayload({ id: '1', tags: [tagPayload({ id: 't1', applied_at: NOTIFIED_AT - 2 })] }),
          partPayload({ id: '2', tags: [tagPayload({ id: 't1', applied_at: NOTIFIED_AT - 9 }), tagPayload({ id: 't2' })] }),
        ],
      }),
    );

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toEqual([
      { id: 't1', appliedAt: NOTIFIED_AT - 9 },
      { id: 't2', appliedAt: NOTIFIED_AT },
    ]);
  });

  it('answers undefined when the payload names no applied tag, so the conversation is fetched', () => {
    const item = parseConversation(
      conversationPayload({ tags: [tagPayload({ id: 'on-conversation', applied_at: NOTIFIED_AT })], parts: [partPayload({ tags: [] })] }),
    );
    const legacyEmpty = parseConversation(exampleWebhookItem('webhook-conversation.admin.noted.zulip-2019-v1shape.json'));

    expect(appliedTagsFromPayload(item, NOTIFIED_AT)).toBeUndefined();
    expect(appliedTagsFromPayload(legacyEmpty, NOTIFIED_AT)).toBeUndefined();
  });
});

describe('recentlyAppliedTags', () => {
  it('keeps tags applied within the window before the notification, or after it', () => {
    const conversation = parseConversation(
      conversationPayload({
        tags: [
          tagPayload({ id: 'at-edge', applied_at: NOTIFIED_AT - RECENT_TAG_WINDOW_SECONDS }),
          tagPayload({ id: 'just-before', applied_at: NOTIFIED_AT - 1 }),
          tagPayload({ id: 'after', applied_at: NOTIFIED_AT + 3 }),
        ],
      }),
    );

    expect(recentlyAppliedTags(conversation, NOTIFIED_AT)).toEqual([
      { id: 'at-edge', appliedAt: NOTIFIED_AT - RECENT_TAG_WINDOW_SECONDS },
      { id: 'just-before', appliedAt: NOTIFIED_AT - 1 },
      { id: 'after', appliedAt: NOTIFIED_AT + 3 },
    ]);
  });

  it('drops tags applied before the window and tags without `applied_at`', () => {
    const conversation = parseConversation(
      conversationPayload({
        tags: [
          tagPayload({ id: 'too-old', applied_at: NOTIFIED_AT - RECENT_TAG_WINDOW_SECONDS - 1 }),
          tagPayload({ id: 'no-time' }),
          tagPayload({ id: 'recent', applied_at: NOTIFIED_AT }),
        ],
      }),
    );

    expect(recentlyAppliedTags(conversation, NOTIFIED_AT)).toEqual([{ id: 'recent', appliedAt: NOTIFIED_AT }]);
  });

  it('finds nothing recent on the official example, whose tag was applied years before', () => {
    const conversation = parseConversation(loadExample('conversation.json'));

    expect(recentlyAppliedTags(conversation, NOTIFIED_AT)).toEqual([]);
    expect(recentlyAppliedTags(conversation, 1663597223 + 60)).toEqual([{ id: '123456', appliedAt: 1663597223 }]);
  });
});
