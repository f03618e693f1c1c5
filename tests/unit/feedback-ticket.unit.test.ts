import { describe, expect, it } from 'vitest';
import {
  buildTicket,
  conversationUrl,
  fallbackTitle,
  messageFromPart,
  messagesOf,
  sortMessages,
  ticketIdFor,
  type TicketMessage,
} from '../../lib/feedback/ticket';
import type { IntercomConversation } from '../../lib/intercom/conversation.schema';
import {
  conversationPayload,
  exampleWebhookItem,
  legacyConversationPayload,
  loadExample,
  parseConversation,
  partPayload,
  sourcePayload,
} from '../support/factories';

const CREATED_AT = new Date('2026-11-27T10:00:00.000Z');

function ticketFor(conversation: IntercomConversation, overrides: { workspaceId?: string; productId?: string } = {}) {
  return buildTicket({
    workspaceId: overrides.workspaceId ?? 'ws_1',
    productId: overrides.productId ?? 'prod_1',
    appId: 'abc123def',
    region: 'US',
    conversation,
    messages: messagesOf(conversation),
    tagIds: ['4428959'],
    createdAt: CREATED_AT,
  });
}

function message(id: string, createdAt: string): TicketMessage {
  return { id, author: { type: 'admin', name: null, email: null }, kind: 'message', body: `body ${id}`, createdAt, redacted: false };
}

describe('ticket title', () => {
  it('is the conversation title first', () => {
    const conversation = parseConversation(
      conversationPayload({ title: '  Archived projects in exports  ', source: sourcePayload({ subject: 'A subject' }) }),
    );

    const ticket = ticketFor(conversation);

    expect(ticket.title).toBe('Archived projects in exports');
    expect(ticket.titleSource).toEqual({ kind: 'conversation' });
  });

  it('is the subject, as plain text, when the title is missing or blank', () => {
    const conversation = parseConversation(
      conversationPayload({ title: '   ', source: sourcePayload({ subject: '<p>Export &amp; archive</p>' }) }),
    );

    const ticket = ticketFor(conversation);

    expect(ticket.title).toBe('Export & archive');
    expect(ticket.titleSource).toEqual({ kind: 'conversation' });
  });

  it("is the first line of the first message when there is neither title nor subject", () => {
    const conversation = parseConversation(
      conversationPayload({
        title: '',
        source: sourcePayload({ subject: '', body: '<p>Exports miss archived projects</p><p>Second paragraph</p>' }),
        parts: [partPayload({ id: '1', created_at: 1768031700, body: 'An earlier admin line' })],
      }),
    );

    const ticket = ticketFor(conversation);

    expect(ticket.title).toBe('Exports miss archived projects');
    expect(ticket.titleSource).toEqual({ kind: 'message', messageId: '3381828792' });
  });

  it('is built from the conversation id when no message has text', () => {
    const conversation = parseConversation(
      conversationPayload({ id: '777', source: sourcePayload({ body: '' }), parts: [partPayload({ part_type: 'assignment', body: null })] }),
    );

    const ticket = ticketFor(conversation);

    expect(ticket.title).toBe(fallbackTitle('777'));
    expect(ticket.title).toBe('Intercom conversation 777');
    expect(ticket.titleSource).toEqual({ kind: 'fallback' });
    expect(ticket.excerpt).toBe('');
    expect(ticket.excerptMessageId).toBeNull();
  });

  it('falls back, not to another message, when the first message is redacted', () => {
    const conversation = parseConversation(
      conversationPayload({
        id: '778',
        source: sourcePayload({ redacted: true, body: '<p><i>This message was deleted</i></p>' }),
        parts: [partPayload({ body: 'A reply with text' })],
      }),
    );

    const ticket = ticketFor(conversation);

    expect(ticket.titleSource).toEqual({ kind: 'fallback' });
    expect(ticket.title).toBe('Intercom conversation 778');
    expect(ticket.excerpt).toBe('');
    expect(ticket.excerptMessageId).toBe('3381828792');
  });

  it('is cut to 120 characters with an ellipsis', () => {
    const conversation = parseConversation(conversationPayload({ title: 'x'.repeat(200) }));

    const ticket = ticketFor(conversation);

    expect(ticket.title).toHaveLength(120);
    expect(ticket.title.endsWith('…')).toBe(true);
    expect(ticket.title.startsWith('x'.repeat(119))).toBe(true);
  });

  it('keeps a title of exactly 120 characters whole', () => {
    const conversation = parseConversation(conversationPayload({ title: 'y'.repeat(120) }));

    expect(ticketFor(conversation).title).toBe('y'.repeat(120));
  });
});

describe('ticket excerpt, customer and links', () => {
  it('is the start of the first message, cut to 280 characters', () => {
    const long = `${'word '.repeat(100)}end`;
    const conversation = parseConversation(conversationPayload({ source: sourcePayload({ body: long }) }));

    const ticket = ticketFor(conversation);

    expect(ticket.excerpt).toHaveLength(280);
    expect(ticket.excerpt.endsWith('…')).toBe(true);
    expect(ticket.excerptMessageId).toBe('3381828792');
  });

  it('names the contact of a 2.x conversation with the first message author’s name and email', () => {
    const ticket = ticketFor(parseConversation(conversationPayload()));

    expect(ticket.customer).toEqual({ contactId: '696205460674dbb9050aa7fd', email: 'ada@example.com', name: 'Ada Lovelace' });
  });

  it('keeps the contact id but not empty names or emails of a captured 2.x lead', () => {
    const ticket = ticketFor(parseConversation(exampleWebhookItem('webhook-conversation_part.redacted.zulip-2026.json')));

    expect(ticket.customer).toEqual({ contactId: '696205460674dbb9050aa7fd', email: null, name: null });
  });

  it('takes the contact of a 1.x conversation from `user`', () => {
    const ticket = ticketFor(parseConversation(legacyConversationPayload()));

    expect(ticket.customer?.contactId).toBe('5c9553cb27e377f24eed49f7');
  });

  it("keeps the name and email that a captured 1.x payload gives only on `user`", () => {
    const ticket = ticketFor(parseConversation(exampleWebhookItem('webhook-conversation_part.tag.created.zulip-2019-v1shape.json')));

    expect(ticket.customer).toEqual({ contactId: '5c9553cb27e377f24eed49f7', email: 'jerryguitarist@gmail.com', name: 'Eeshan Garg' });
  });

  it('has no customer when the conversation names no contact', () => {
    const conversation = parseConversation(conversationPayload({ contacts: { type: 'contact.list', contacts: [] } }));

    expect(ticketFor(conversation).customer).toBeNull();
  });

  it('links to the conversation in the Intercom inbox and keeps the trigger tags', () => {
    const ticket = ticketFor(parseConversation(conversationPayload({ id: '215472621202693' })));

    expect(ticket.intercom).toEqual({
      appId: 'abc123def',
      conversationId: '215472621202693',
      url: 'https://app.intercom.com/a/inbox/abc123def/inbox/conversation/215472621202693',
      tagIds: ['4428959'],
      deletedAt: null,
    });
    expect(ticket.status).toBe('new');
    expect(ticket.createdAt).toBe(CREATED_AT.toISOString());
    expect(ticket.updatedAt).toBe(CREATED_AT.toISOString());
  });

  it("links to the inbox of the workspace's region", () => {
    expect(conversationUrl('abc123def', '215', 'EU')).toBe('https://app.eu.intercom.com/a/inbox/abc123def/inbox/conversation/215');
    expect(conversationUrl('abc123def', '215', 'AU')).toBe('https://app.au.intercom.com/a/inbox/abc123def/inbox/conversation/215');
    expect(conversationUrl('abc123def', '215', 'US')).toBe('https://app.intercom.com/a/inbox/abc123def/inbox/conversation/215');
  });

  it('escapes the app id and conversation id in the inbox URL', () => {
    expect(conversationUrl('a/b', '1?2', 'US')).toBe('https://app.intercom.com/a/inbox/a%2Fb/inbox/conversation/1%3F2');
  });
});

describe('ticketIdFor', () => {
  it('is the same for the same workspace, product and conversation', () => {
    expect(ticketIdFor('ws_1', 'prod_1', '215')).toBe(ticketIdFor('ws_1', 'prod_1', '215'));
    expect(ticketIdFor('ws_1', 'prod_1', '215')).toMatch(/^tkt_[0-9a-f]{26}$/);
  });

  it('differs when any of the three differs', () => {
    const ids = new Set([
      ticketIdFor('ws_1', 'prod_1', '215'),
      ticketIdFor('ws_2', 'prod_1', '215'),
      ticketIdFor('ws_1', 'prod_2', '215'),
      ticketIdFor('ws_1', 'prod_1', '216'),
    ]);

    expect(ids.size).toBe(4);
  });

  it('does not confuse ids that concatenate to the same string', () => {
    expect(ticketIdFor('ws_1', 'prod_12', '3')).not.toBe(ticketIdFor('ws_1', 'prod_1', '23'));
  });

  it('is the id of the ticket built for that triple', () => {
    const conversation = parseConversation(conversationPayload({ id: '99' }));

    expect(ticketFor(conversation, { workspaceId: 'ws_9', productId: 'prod_9' }).id).toBe(ticketIdFor('ws_9', 'prod_9', '99'));
  });
});

describe('messagesOf', () => {
  it('puts the first message first, then the parts oldest first', () => {
    const conversation = parseConversation(
      conversationPayload({
        created_at: 1768031789,
        parts: [
          partPayload({ id: '300', created_at: 1768031900, body: 'third' }),
          partPayload({ id: '200', created_at: 1768031850, body: 'second' }),
        ],
      }),
    );

    const messages = messagesOf(conversation);

    expect(messages.map((m) => m.id)).toEqual(['3381828792', '200', '300']);
    expect(messages.map((m) => m.createdAt)).toEqual(['2026-01-10T07:56:29.000Z', '2026-01-10T07:57:30.000Z', '2026-01-10T07:58:20.000Z']);
  });

  it('puts the first message before parts of the same second, even ones with a smaller id', () => {
    const conversation = parseConversation(
      conversationPayload({
        created_at: 1768031789,
        source: sourcePayload({ id: '9000000000' }),
        parts: [partPayload({ id: '1', created_at: 1768031789, body: 'same second' })],
      }),
    );

    expect(messagesOf(conversation).map((m) => m.id)).toEqual(['9000000000', '1']);
  });

  it('orders parts of the same second by numeric id, not as strings', () => {
    const conversation = parseConversation(
      conversationPayload({
        parts: [
          partPayload({ id: '10', created_at: 1768031900, body: 'ten' }),
          partPayload({ id: '9', created_at: 1768031900, body: 'nine' }),
          partPayload({ id: '100', created_at: 1768031900, body: 'hundred' }),
        ],
      }),
    );

    expect(messagesOf(conversation).map((m) => m.id)).toEqual(['3381828792', '9', '10', '100']);
  });

  it('leaves out parts without text (assignments, state changes, empty bodies)', () => {
    const conversation = parseConversation(
      conversationPayload({
        parts: [
          partPayload({ id: '1', part_type: 'assignment', body: null }),
          partPayload({ id: '2', part_type: 'close', body: '' }),
          partPayload({ id: '3', part_type: 'comment', body: '<p> </p>' }),
          partPayload({ id: '4', part_type: 'comment', body: '<p>kept</p>' }),
        ],
      }),
    );

    expect(messagesOf(conversation).map((m) => m.id)).toEqual(['3381828792', '4']);
  });

  it('keeps only the text parts of the official example', () => {
    const messages = messagesOf(parseConversation(loadExample('conversation.json')));

    expect(messages.map((m) => m.id).sort()).toEqual(['1', '403918334']);
    expect(messages.find((m) => m.id === '403918334')?.body).toBe('this is the message body');
  });

  it('lists a 1.x first message once although it is also the first part', () => {
    const conversation = parseConversation(exampleWebhookItem('webhook-conversation_part.tag.created.zulip-2019-v1shape.json'));

    const messages = messagesOf(conversation);

    expect(messages.map((m) => m.id)).toEqual(['331786931']);
    expect(messages[0]?.body).toBe("Hey! I'd like to set up a new account");
  });

  it('marks notes as notes and everything else with text as messages', () => {
    const conversation = parseConversation(
      conversationPayload({
        parts: [
          partPayload({ id: '1', part_type: 'note', created_at: 1768031800, body: 'internal' }),
          partPayload({ id: '2', part_type: 'comment', created_at: 1768031801, body: 'reply' }),
          partPayload({ id: '3', part_type: 'assignment', created_at: 1768031802, body: 'assigned with a reply' }),
        ],
      }),
    );

    expect(messagesOf(conversation).map((m) => [m.id, m.kind])).toEqual([
      ['3381828792', 'message'],
      ['1', 'note'],
      ['2', 'message'],
      ['3', 'message'],
    ]);
  });

  it('reads the note of a captured 1.x admin.noted payload as a note with its author', () => {
    const item = parseConversation(exampleWebhookItem('webhook-conversation.admin.noted.zulip-2019-v1shape.json'));

    const note = messageFromPart(item.conversation_parts!.conversation_parts![0]!);

    expect(note).toEqual({
      id: '2826904904',
      author: { type: 'admin', name: 'Eeshan Garg', email: null },
      kind: 'note',
      body: "Talk to Tim about this user's query.",
      createdAt: new Date(1553378536 * 1000).toISOString(),
      redacted: false,
    });
  });

  it('blanks a redacted part but keeps it, marked redacted', () => {
    const item = parseConversation(exampleWebhookItem('webhook-conversation_part.redacted.zulip-2026.json'));

    const part = messageFromPart(item.conversation_parts!.conversation_parts![0]!);

    expect(part).toMatchObject({ id: '37358539897', body: '', redacted: true });
  });

  it('blanks a redacted first message but keeps it first', () => {
    const conversation = parseConversation(
      conversationPayload({
        source: sourcePayload({ redacted: true, body: 'secret text' }),
        parts: [partPayload({ id: '5', body: 'reply' })],
      }),
    );

    const messages = messagesOf(conversation);

    expect(messages[0]).toMatchObject({ id: '3381828792', body: '', redacted: true });
    expect(JSON.stringify(messages)).not.toContain('secret text');
  });
});

describe('sortMessages', () => {
  it('orders by time, the given first message first within its second, then by id', () => {
    const sorted = sortMessages(
      [
        message('20', '2026-01-10T08:00:01.000Z'),
        message('b', '2026-01-10T08:00:00.000Z'),
        message('5', '2026-01-10T08:00:00.000Z'),
        message('first', '2026-01-10T08:00:00.000Z'),
      ],
      'first',
    );

    expect(sorted.map((m) => m.id)).toEqual(['first', '5', 'b', '20']);
  });

  it('does not change its input', () => {
    const input = [message('2', '2026-01-10T08:00:01.000Z'), message('1', '2026-01-10T08:00:00.000Z')];

    sortMessages(input);

    expect(input.map((m) => m.id)).toEqual(['2', '1']);
  });
});
