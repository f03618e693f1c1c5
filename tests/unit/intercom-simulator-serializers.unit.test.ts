import { describe, expect, it } from 'vitest';
import { contactView } from '../../dev/intercom-simulator/contact.serializer';
import { conversationView } from '../../dev/intercom-simulator/conversation.serializer';
import { htmlToText } from '../../dev/intercom-simulator/html-text';
import { SimulatorState } from '../../dev/intercom-simulator/simulator-state';
import { buildWebhookItem } from '../../dev/intercom-simulator/webhook-items';
import type { Workspace } from '../../dev/intercom-simulator/workspace';

type Json = Record<string, any>;

function workspace(idCode: string, apiVersion = '2.16'): Workspace {
  return new SimulatorState().createWorkspace({ idCode, apiVersion }).workspace;
}

function contactOptions(ws: Workspace, apiVersion: string, flavor: 'rest' | 'webhook') {
  return { appId: ws.appId, apiVersion, flavor, tags: ws.tags } as const;
}

describe('htmlToText', () => {
  it('turns paragraphs into lines, links into "label (url)" and decodes entities', () => {
    expect(htmlToText('<p>Export to <a href="https://x.test/csv">CSV</a> &amp; PDF</p><p>Thanks</p>')).toBe(
      'Export to CSV (https://x.test/csv) & PDF\nThanks',
    );
    expect(htmlToText('<p><i>This message was deleted</i></p>')).toBe('This message was deleted');
  });
});

describe('contactView', () => {
  const ws = workspace('serial1');
  const record = ws.createContact({ role: 'user', email: 'ada@acme.test', ownerId: '991267466', createdAt: 1700000000 });

  it('types owner_id as a string from 2.16 and as an integer before', () => {
    expect(contactView(record, contactOptions(ws, '2.16', 'rest')).owner_id).toBe('991267466');
    expect(contactView(record, contactOptions(ws, '2.14', 'rest')).owner_id).toBe(991267466);
  });

  it('uses unix seconds in REST and ISO-8601 strings in webhooks', () => {
    const rest = contactView(record, contactOptions(ws, '2.16', 'rest'));
    const hook = contactView(record, contactOptions(ws, '2.16', 'webhook'));
    expect(rest.created_at).toBe(1700000000);
    expect(rest.email_domain).toBe('acme.test');
    expect(hook.created_at).toBe('2023-11-14T22:13:20.000+00:00');
    expect(hook.signed_up_at).toBe('2023-11-14T22:13:20.000+00:00');
    expect(hook.last_seen_at).toBeNull();
    expect(hook).toMatchObject({ sms_consent: false, unsubscribed_from_sms: false, workspace_id: 'serial1' });
    expect(hook).not.toHaveProperty('email_domain');
  });
});

describe('conversationView', () => {
  function conversationWithParts(ws: Workspace, count: number) {
    return ws.createConversation({
      body: '<p>Hi &amp; hello</p>',
      createdAt: 1700000000,
      parts: Array.from({ length: count }, (_, i) => ({ kind: 'admin_reply' as const, body: `<p>reply ${i + 1}</p>`, createdAt: 1700000000 + i + 1 })),
    });
  }

  it('returns at most the 500 most recent parts over REST', () => {
    const ws = workspace('serial2');
    const conversation = conversationWithParts(ws, 502);
    const view = conversationView(ws, conversation, { flavor: 'rest', apiVersion: '2.16' }) as Json;
    const parts = view.conversation_parts.conversation_parts as Json[];
    expect(parts).toHaveLength(500);
    expect(view.conversation_parts.total_count).toBe(500);
    expect(parts[0]?.body).toBe('<p>reply 3</p>');
    expect(parts.at(-1)?.body).toBe('<p>reply 502</p>');
    expect(view.statistics.count_conversation_parts).toBe(503);
  });

  it('returns HTML by default and plain text on request', () => {
    const ws = workspace('serial3');
    const conversation = conversationWithParts(ws, 1);
    const html = conversationView(ws, conversation, { flavor: 'rest', apiVersion: '2.16' }) as Json;
    const plain = conversationView(ws, conversation, { flavor: 'rest', apiVersion: '2.16', plaintext: true }) as Json;
    expect(html.source.body).toBe('<p>Hi &amp; hello</p>');
    expect(plain.source.body).toBe('Hi & hello');
    expect(plain.conversation_parts.conversation_parts[0].body).toBe('reply 1');
  });

  it('follows the 2.16 schema in REST: integer assignees with 0 for nobody, no null statistics', () => {
    const ws = workspace('serial4');
    const view = conversationView(ws, ws.createConversation({}), { flavor: 'rest', apiVersion: '2.16' }) as Json;
    expect(view.admin_assignee_id).toBe(0);
    expect(view.team_assignee_id).toBe(0);
    expect(view.priority).toBe('none');
    expect(Object.values(view.statistics)).not.toContain(null);
  });

  it('sends plain text in 2.15+ webhooks and captured legacy shapes before', () => {
    const ws = workspace('serial5');
    const conversation = conversationWithParts(ws, 1);
    const modern = conversationView(ws, conversation, { flavor: 'webhook', apiVersion: '2.15' }) as Json;
    const legacy = conversationView(ws, conversation, { flavor: 'webhook', apiVersion: '2.14' }) as Json;
    expect(modern.source.body).toBe('Hi & hello');
    expect(legacy.source.body).toBe('<p>Hi &amp; hello</p>');
    expect(legacy.priority).toBe('not_priority');
    expect(legacy.admin_assignee_id).toBeNull();
    expect(legacy.statistics.first_contact_reply_at).toBe('2023-11-14T22:13:20.000Z');
    expect(modern.statistics.first_contact_reply_at).toBe(1700000000);
  });
});

describe('buildWebhookItem', () => {
  function scenario() {
    const ws = workspace('hooks1', '2.14');
    const conversation = ws.createConversation({
      parts: [
        { kind: 'user_reply', body: '<p>first</p>' },
        { kind: 'admin_note', body: '<p>note</p>' },
        { kind: 'user_reply', body: '<p>second</p>' },
        { kind: 'bot_reply', body: '<p>bot</p>' },
      ],
    });
    return { ws, conversation };
  }

  it('carries only the triggering part: by default the latest matching one', () => {
    const { ws, conversation } = scenario();
    const item = buildWebhookItem(ws, { topic: 'conversation.user.replied', conversationId: conversation.id }) as Json;
    expect(item.conversation_parts.total_count).toBe(1);
    expect(item.conversation_parts.conversation_parts[0].body).toBe('<p>second</p>');
    const bot = buildWebhookItem(ws, { topic: 'conversation.operator.replied', conversationId: conversation.id }) as Json;
    expect(bot.conversation_parts.conversation_parts[0].author.type).toBe('bot');
  });

  it('builds tag.created in the 1.x shape with tags_added and in the 2.x shape with part tags', () => {
    const { ws, conversation } = scenario();
    const firstReply = conversation.parts[0]!;
    const applied = ws.tagConversation(conversation.id, { tagName: 'Feedback', partId: firstReply.id });
    const v1 = buildWebhookItem(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, shape: '1.x' }) as Json;
    expect(v1.tags_added.tags).toEqual([{ type: 'tag', id: applied.tagId, name: 'Feedback' }]);
    expect(v1.conversation_parts.conversation_parts[0].id).toBe(firstReply.id);
    expect(v1).toHaveProperty('conversation_message');
    const v2 = buildWebhookItem(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id }) as Json;
    expect(v2).not.toHaveProperty('tags_added');
    expect(v2.conversation_parts.conversation_parts[0].tags).toEqual([{ type: 'tag', id: applied.tagId, name: 'Feedback' }]);
    expect(v2.tags.tags[0]).toMatchObject({ id: applied.tagId, applied_at: applied.appliedAt });
  });

  it('reports a redacted source through source.redacted with no part', () => {
    const { ws, conversation } = scenario();
    ws.redact(conversation.id, { source: true });
    const item = buildWebhookItem(ws, { topic: 'conversation_part.redacted', conversationId: conversation.id }) as Json;
    expect(item.source.redacted).toBe(true);
    expect(item.source.body).toBe('<p><i>This message was deleted</i></p>');
    expect(item.conversation_parts.conversation_parts).toEqual([]);
  });

  it('builds contact.deleted from a tombstone', () => {
    const { ws } = scenario();
    const record = ws.createContact({ externalId: 'ext-9' });
    ws.deleteContact(record.id);
    expect(buildWebhookItem(ws, { topic: 'contact.deleted', contactId: record.id })).toEqual({
      id: record.id,
      external_id: 'ext-9',
      type: 'contact',
      deleted: true,
    });
  });
});

describe('seeding', () => {
  it('repeats exactly for the same workspace id and seed, and never reuses ids across workspaces', () => {
    const options = { count: 50, seed: 7, startAt: 1600000000, endAt: 1700000000 };
    const a = workspace('seedA');
    const again = workspace('seedA');
    const b = workspace('seedB');
    a.seedContacts(options);
    again.seedContacts(options);
    b.seedContacts(options);
    const page = (ws: Workspace) => ws.contacts.listPage(null, 100).rows;
    expect(page(again)).toEqual(page(a));
    const idsA = new Set(page(a).map((c) => c.id));
    expect(page(b).some((c) => idsA.has(c.id))).toBe(false);
    expect(page(a).every((c) => /^[0-9a-f]{24}$/.test(c.id))).toBe(true);
    expect(new Set(page(a).map((c) => c.role))).toEqual(new Set(['user', 'lead']));
  });

  it('starts seeded conversations within the given times, also in a workspace without contacts', () => {
    const [startAt, endAt] = [1767571200, 1767657599]; // 2026-01-05, the whole day (UTC)
    const ws = workspace('seedC');
    const conversations = ws.seedConversations({ count: 20, seed: 3, startAt, endAt });
    for (const conversation of conversations) {
      expect(conversation.createdAt).toBeGreaterThanOrEqual(startAt);
      expect(conversation.createdAt).toBeLessThanOrEqual(endAt);
      // Each comes from a lead created shortly before it.
      const lead = ws.contact(conversation.contactIds[0]!);
      expect(lead.role).toBe('lead');
      expect(conversation.createdAt - lead.createdAt).toBeGreaterThanOrEqual(60);
      expect(conversation.createdAt - lead.createdAt).toBeLessThanOrEqual(3600);
    }
    expect(() => ws.seedConversations({ count: 1, startAt: endAt, endAt: startAt })).toThrow('startAt must not be after endAt');
  });
});
