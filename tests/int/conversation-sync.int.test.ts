import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../lib/connect/connection';
import { syncConversation, type ConversationSyncDeps } from '../../lib/feedback/conversation-sync';
import { ticketIdFor } from '../../lib/feedback/ticket';
import type { IntercomConversation } from '../../lib/intercom/conversation.schema';
import type { Config } from '../../lib/platform/config';
import { FeedbackStore } from '../../lib/store/feedback-store';
import { WriteBackStore } from '../../lib/store/write-back-store';
import { dynamo, stack } from '../support/local-stack';

/*
 * syncConversation against DynamoDB Local, with conversations built as `GET /conversations/{id}`
 * returns them (plain-text bodies, tags with `applied_at`). Times are fixed.
 */

const ENABLED_AT = '2026-03-02T09:00:00.000Z';
const ENABLED_S = Date.parse(ENABLED_AT) / 1000;
const NOW = new Date('2026-03-05T12:00:00.000Z');
const TRIGGER = 'tag_feature';

const store = new FeedbackStore({ client: dynamo, name: stack.tableName });

const writeBacks = new WriteBackStore({ client: dynamo, name: stack.tableName });
const noQueue = { send: async () => {} };

function deps(feedback: FeedbackStore = store): ConversationSyncDeps {
  return { feedback, clock: () => NOW, config: { APP_URL: stack.appUrl } as Config, writeBacks, writeBackQueue: noQueue };
}

async function workspace(products: Array<{ productId: string; tags: string[] }> = [{ productId: 'prod_a', tags: [TRIGGER] }]) {
  const workspaceId = `ws_sync_${randomUUID().slice(0, 8)}`;
  for (const { productId, tags } of products) {
    await store.putProductFeedback(workspaceId, { productId, enabled: true, triggerTagIds: tags, enabledAt: ENABLED_AT, productName: productId });
  }
  const connection = {
    workspaceId,
    connectionId: 'conn_1',
    method: 'token',
    status: 'connected',
    intercom: { appId: 'app_sync', name: 'Sync', region: 'US', timezone: null },
    webhook: { key: null, secretConfigured: true, secretVersion: null, lastEventAt: null },
    settings: { syncFeedback: true, syncContacts: false, writeBack: false },
    reauth: null,
    connectedAt: ENABLED_AT,
    connectedBy: 'admin',
    updatedAt: ENABLED_AT,
    disconnectedAt: null,
  } satisfies Connection;
  return connection;
}

interface PartInput {
  id: string;
  body: string;
  at: number;
  type?: string;
  redacted?: boolean;
}

function conversation(input: {
  id?: string;
  updatedAt?: number;
  sourceRedacted?: boolean;
  tags?: Array<{ id: string; appliedAt: number | null }>;
  parts?: PartInput[];
}): IntercomConversation {
  return {
    id: input.id ?? '9001',
    created_at: ENABLED_S + 60,
    updated_at: input.updatedAt ?? ENABLED_S + 1000,
    title: null,
    source: {
      id: 'src_1',
      subject: null,
      body: input.sourceRedacted ? 'This message was deleted' : 'Please add an iCal export.',
      author: { type: 'user', id: 'contact_1', name: 'Ada', email: 'ada@example.com' },
      redacted: input.sourceRedacted ?? false,
    },
    contacts: { contacts: [{ id: 'contact_1' }] },
    tags: { tags: (input.tags ?? []).map((tag) => ({ id: tag.id, name: tag.id, applied_at: tag.appliedAt })) },
    conversation_parts: {
      conversation_parts: (input.parts ?? []).map((part) => ({
        id: part.id,
        part_type: part.type ?? 'comment',
        body: part.redacted ? 'This message was deleted' : part.body,
        created_at: part.at,
        author: { type: 'admin', id: 'admin_1', name: 'Bo', email: null },
        redacted: part.redacted ?? false,
      })),
    },
  };
}

const REPLY = { id: 'part_1', body: 'We are on it.', at: ENABLED_S + 120 };
const NOTE = { id: 'part_2', body: 'Third request this month.', at: ENABLED_S + 180, type: 'note' };

async function bodies(ticketId: string) {
  const stored = await store.getTicket(ticketId, { consistent: true });
  return Object.fromEntries(stored!.messages.map((message) => [message.id, message.body]));
}

describe('syncConversation', () => {
  it('never makes a link-back note a message of a ticket, whichever path syncs the conversation; other notes with links stay', async () => {
    const connection = await workspace();
    const ticketId = ticketIdFor(connection.workspaceId, 'prod_a', '9101');
    const linkBack = { id: 'part_lb', body: `Sent to Timebook: prod_a — ${stack.appUrl}/products/prod_a/feedback/${ticketId}`, at: ENABLED_S + 400, type: 'note' };
    const otherLink = { id: 'part_docs', body: 'See https://docs.example.com/products/x/feedback/y', at: ENABLED_S + 500, type: 'note' };
    const quoted = { id: 'part_quote', body: `The customer pasted ${stack.appUrl}/products/prod_a/feedback/${ticketId}`, at: ENABLED_S + 600 };
    const tags = [{ id: TRIGGER, appliedAt: ENABLED_S + 300 }];

    // The note already there when the ticket is made (a catch-up that creates it late) ...
    await syncConversation(deps(), connection, conversation({ id: '9101', tags, parts: [REPLY, linkBack] }), { createFromTags: true });
    expect(Object.keys(await bodies(ticketId)).sort()).toEqual(['part_1', 'src_1']);
    // ... and arriving afterwards (the conversation.admin.noted refresh), with other parts.
    const later = conversation({ id: '9101', tags, parts: [REPLY, linkBack, otherLink, quoted], updatedAt: ENABLED_S + 2000 });
    const result = await syncConversation(deps(), connection, later, { createFromTags: true });
    expect(result.messagesAdded).toBe(2);
    expect(Object.keys(await bodies(ticketId)).sort()).toEqual(['part_1', 'part_docs', 'part_quote', 'src_1']);
  });

  it('creates one ticket per product for trigger tags applied since enabledAt, and a second sync writes nothing', async () => {
    const connection = await workspace([
      { productId: 'prod_a', tags: [TRIGGER] },
      { productId: 'prod_b', tags: ['tag_bug'] },
      { productId: 'prod_c', tags: ['tag_old'] },
    ]);
    const conv = conversation({
      tags: [
        { id: TRIGGER, appliedAt: ENABLED_S + 300 },
        { id: 'tag_bug', appliedAt: ENABLED_S },
        { id: 'tag_old', appliedAt: ENABLED_S - 1 },
      ],
      parts: [REPLY, NOTE],
    });

    const first = await syncConversation(deps(), connection, conv, { createFromTags: true });
    const ticketA = ticketIdFor(connection.workspaceId, 'prod_a', conv.id);
    const ticketB = ticketIdFor(connection.workspaceId, 'prod_b', conv.id);
    expect(first.ticketsCreated.sort()).toEqual([ticketA, ticketB].sort());
    const stored = await store.getTicket(ticketA, { consistent: true });
    expect(stored!.ticket).toMatchObject({ title: 'Please add an iCal export.', createdAt: new Date((ENABLED_S + 300) * 1000).toISOString() });
    expect(stored!.ticket.intercom.tagIds).toEqual([TRIGGER]);
    expect(await bodies(ticketA)).toEqual({ src_1: 'Please add an iCal export.', part_1: REPLY.body, part_2: NOTE.body });

    const second = await syncConversation(deps(), connection, conv, { createFromTags: true });
    expect(second).toEqual({ ticketsCreated: [], messagesAdded: 0, messagesRedacted: 0 });
    expect((await store.conversationState(connection.workspaceId, conv.id)).tickets).toHaveLength(2);
  });

  it('respects appliedSince, createFromTags: false, a tag without applied_at and feedback switched off', async () => {
    const connection = await workspace();
    const conv = conversation({ tags: [{ id: TRIGGER, appliedAt: ENABLED_S + 300 }] });
    expect((await syncConversation(deps(), connection, conv, { createFromTags: true, appliedSince: ENABLED_S + 301 })).ticketsCreated).toEqual([]);
    expect((await syncConversation(deps(), connection, conv, { createFromTags: false })).ticketsCreated).toEqual([]);
    const off = { ...connection, settings: { syncFeedback: false, syncContacts: false, writeBack: false } };
    expect((await syncConversation(deps(), off, conv, { createFromTags: true })).ticketsCreated).toEqual([]);
    const untimed = conversation({ tags: [{ id: TRIGGER, appliedAt: null }] });
    expect((await syncConversation(deps(), connection, untimed, { createFromTags: true })).ticketsCreated).toEqual([]);
    expect((await store.conversationState(connection.workspaceId, conv.id)).tickets).toEqual([]);
    expect((await syncConversation(deps(), connection, conv, { createFromTags: true, appliedSince: ENABLED_S + 300 })).ticketsCreated).toHaveLength(1);
  });

  it('adds the parts a ticket lacks and blanks what Intercom now shows redacted, title and excerpt included', async () => {
    const connection = await workspace();
    const tags = [{ id: TRIGGER, appliedAt: ENABLED_S + 100 }];
    await syncConversation(deps(), connection, conversation({ tags, parts: [REPLY] }), { createFromTags: true });
    const ticketId = ticketIdFor(connection.workspaceId, 'prod_a', '9001');

    const later = conversation({ tags, updatedAt: ENABLED_S + 2000, parts: [{ ...REPLY, redacted: true }, NOTE], sourceRedacted: true });
    const result = await syncConversation(deps(), connection, later, { createFromTags: true });
    expect(result).toEqual({ ticketsCreated: [], messagesAdded: 1, messagesRedacted: 2 });
    expect(await bodies(ticketId)).toEqual({ src_1: '', part_1: '', part_2: NOTE.body });
    const { ticket, messages } = (await store.getTicket(ticketId, { consistent: true }))!;
    expect(ticket.title).toBe('Intercom conversation 9001');
    expect(ticket.excerpt).toBe('');
    expect(ticket.updatedAt).toBe(NOW.toISOString());
    expect(messages.filter((message) => message.redacted).map((message) => message.id).sort()).toEqual(['part_1', 'src_1']);
    const state = await store.conversationState(connection.workspaceId, '9001');
    expect([...state.redactedMessageIds].sort()).toEqual(['part_1', 'src_1']);
    expect(state.syncedUpdatedAt).toBe(ENABLED_S + 2000);

    // An older copy (a slow fetch) neither brings text back nor moves the recorded updated_at back.
    await syncConversation(deps(), connection, conversation({ tags, parts: [REPLY, NOTE] }), { createFromTags: true });
    expect(await bodies(ticketId)).toEqual({ src_1: '', part_1: '', part_2: NOTE.body });
    expect((await store.conversationState(connection.workspaceId, '9001')).syncedUpdatedAt).toBe(ENABLED_S + 2000);
  });

  it('blanks a remembered redaction in a new ticket, and applies one recorded while it writes', async () => {
    const connection = await workspace();
    const tags = [{ id: TRIGGER, appliedAt: ENABLED_S + 100 }];
    await store.rememberRedaction(connection.workspaceId, '9001', 'part_1');
    // A redaction of part_2 arrives between this sync's read of the conversation state and its writes.
    const racing = Object.assign(Object.create(store) as FeedbackStore, {
      createTicket: async (...args: Parameters<FeedbackStore['createTicket']>) => {
        await store.rememberRedaction(connection.workspaceId, '9001', 'part_2');
        return store.createTicket(...args);
      },
    });
    const result = await syncConversation(deps(racing), connection, conversation({ tags, parts: [REPLY, NOTE] }), { createFromTags: true });
    expect(result.ticketsCreated).toHaveLength(1);
    expect(await bodies(result.ticketsCreated[0]!)).toEqual({ src_1: 'Please add an iCal export.', part_1: '', part_2: '' });
  });

  it('records nothing for a conversation without tickets', async () => {
    const connection = await workspace();
    await syncConversation(deps(), connection, conversation({ parts: [REPLY] }), { createFromTags: true });
    expect(await store.conversationState(connection.workspaceId, '9001')).toEqual({ tickets: [], redactedMessageIds: new Set(), syncedUpdatedAt: null });
  });
});
