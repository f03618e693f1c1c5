import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conversationSchema, type IntercomConversation } from '../../lib/intercom/conversation.schema';
import { queuedEventSchema, type QueuedEvent } from '../../lib/events/queued-event';

/*
 * Intercom payload builders for unit tests. The shapes follow the captured payloads in
 * `tests/fixtures/intercom-examples` (2.x: the official `conversation.json` and the 2026 Zulip captures;
 * 1.x: the 2019 Zulip and 2020 Hull `conversation_part.tag.created` captures). Builders return raw JSON
 * objects, as Intercom sends them; `parseConversation` runs them through the service's own schema.
 */

type Json = Record<string, unknown>;

const EXAMPLES_DIR = join(__dirname, '..', 'fixtures', 'intercom-examples');

/** A file from `tests/fixtures/intercom-examples`, parsed. */
export function loadExample<T = Json>(fileName: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, fileName), 'utf8')) as T;
}

/** The conversation (`data.item`) of a captured webhook notification. */
export function exampleWebhookItem(fileName: string): Json {
  return (loadExample<{ data: { item: Json } }>(fileName)).data.item;
}

/** A tag as it appears in `tags.tags`, `tags_added.tags` or a part's `tags`. */
export function tagPayload(overrides: Json = {}): Json {
  return { type: 'tag', id: '4428959', name: 'Feature request', ...overrides };
}

/** A conversation part (2.x shape; 1.x parts are the same without `redacted` and `tags`). */
export function partPayload(overrides: Json = {}): Json {
  return {
    type: 'conversation_part',
    id: '37358121213',
    part_type: 'comment',
    body: '<p>Thanks, we will look into it.</p>',
    created_at: 1768031900,
    updated_at: 1768031900,
    notified_at: 1768031900,
    assigned_to: null,
    author: { id: '9608799', type: 'admin', name: 'John Doe', email: 'admin@example.com' },
    attachments: [],
    external_id: null,
    redacted: false,
    tags: [],
    ...overrides,
  };
}

/** The first message of a 2.x conversation (`source`). */
export function sourcePayload(overrides: Json = {}): Json {
  return {
    type: 'conversation',
    id: '3381828792',
    delivered_as: 'customer_initiated',
    subject: '',
    body: '<p>Exports should include archived projects</p>',
    author: { type: 'user', id: '696205460674dbb9050aa7fd', name: 'Ada Lovelace', email: 'ada@example.com' },
    attachments: [],
    url: null,
    redacted: false,
    ...overrides,
  };
}

/** A 2.x conversation (`source`, `contacts`, tags with `applied_at`). */
export function conversationPayload(
  overrides: Json & { parts?: Json[]; tags?: Json[] } = {},
): Json {
  const { parts = [], tags = [], ...rest } = overrides;
  return {
    type: 'conversation',
    id: '215472621202693',
    created_at: 1768031789,
    updated_at: 1768031789,
    title: null,
    source: sourcePayload(),
    contacts: {
      type: 'contact.list',
      contacts: [{ type: 'contact', id: '696205460674dbb9050aa7fd', external_id: null }],
    },
    open: true,
    state: 'open',
    tags: { type: 'tag.list', tags },
    conversation_parts: { type: 'conversation_part.list', conversation_parts: parts, total_count: parts.length },
    ...rest,
  };
}

/** A 1.x conversation (`user`, `conversation_message`, `tags_added`). */
export function legacyConversationPayload(
  overrides: Json & { parts?: Json[]; tags?: Json[]; tagsAdded?: Json[] } = {},
): Json {
  const { parts = [], tags = [], tagsAdded = [], ...rest } = overrides;
  return {
    type: 'conversation',
    id: '21330067382',
    created_at: 1553378082,
    updated_at: 1553378536,
    user: { type: 'lead', id: '5c9553cb27e377f24eed49f7', name: 'Eeshan Garg', email: 'eeshan@example.com' },
    assignee: { type: 'nobody_admin', id: null },
    conversation_message: {
      type: 'conversation_message',
      id: '331786931',
      subject: '',
      body: "<p>Hey! I'd like to set up a new account</p>",
      author: { type: 'user', id: '5c9553cb27e377f24eed49f7' },
      attachments: [],
    },
    conversation_parts: { type: 'conversation_part.list', conversation_parts: parts, total_count: parts.length },
    tags: { type: 'tag.list', tags },
    tags_added: { type: 'tag.list', tags: tagsAdded },
    ...rest,
  };
}

/** A payload parsed by the service's conversation schema; throws if the schema rejects it. */
export function parseConversation(payload: unknown): IntercomConversation {
  return conversationSchema().parse(payload);
}

/** A queued webhook event of `topic`, as the intake would have queued it (a conversation topic: ids only). */
export function queuedEvent(topic: string): QueuedEvent {
  const notification = { id: 'notif_1', topic, app_id: 'abc123', created_at: 1764237600 };
  const common = { workspaceId: 'ws_1', receivedAt: '2026-11-27T10:00:00.000Z', notification };
  if (topic.startsWith('contact.')) return queuedEventSchema().parse({ kind: 'contact', ...common, item: { type: 'contact', id: 'c_1' } });
  return queuedEventSchema().parse({
    kind: 'conversation',
    ...common,
    conversationId: '215472621202693',
    ...(topic === 'conversation_part.tag.created' ? { appliedTags: [{ id: '4428959', appliedAt: 1764237600 }] } : {}),
    ...(topic === 'conversation_part.redacted' ? { redacted: { partIds: ['37358121213'], sourceId: null } } : {}),
  });
}
