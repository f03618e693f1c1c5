import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contactFromIntercom, InvalidIntercomContactError, readIntercomContacts } from '../../lib/contacts/contact';
import { changedSince } from '../../lib/contacts/incremental-sync';

const fixture = (path: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8'));

describe('contactFromIntercom', () => {
  it('maps a REST contact (unix seconds) to the API contact', () => {
    const rest = fixture('intercom-examples/contact.json');

    const snapshot = contactFromIntercom(rest);

    expect(snapshot).toEqual({
      contact: {
        id: '6762f0d01bb69f9f2193bb7d',
        externalId: '70',
        role: 'user',
        email: 'joe@bloggs.com',
        name: 'Joe Bloggs',
        phone: null,
        createdAt: '2024-12-18T15:57:04.000Z',
        updatedAt: '2024-12-18T15:57:04.000Z',
        customAttributes: {},
      },
      createdAtSeconds: 1734537424,
      updatedAtSeconds: 1734537424,
      appId: 'this_is_an_id283_that_should_be_at_least_',
    });
  });

  it('reads the ISO-8601 times of a webhook contact as whole seconds', () => {
    const lead = fixture('contacts/webhook-contact.lead.created.zulip-2026.json').data.item;

    const snapshot = contactFromIntercom(lead);

    expect(snapshot.contact).toMatchObject({
      id: '6961d897719c606240178da8',
      role: 'lead',
      email: 'shuz@gmail.com',
      externalId: 'c3ca7689-a3c1-4a05-b81d-6cdf995cea85',
      createdAt: '2026-01-10T04:41:59.000Z',
      updatedAt: '2026-01-10T04:41:59.000Z',
    });
    expect(snapshot.updatedAtSeconds).toBe(Date.parse('2026-01-10T04:41:59Z') / 1000);
  });

  it('gives a webhook and a REST copy of the same contact state the same version', () => {
    const webhook = fixture('contacts/webhook-contact.user.created.zulip-2026.json').data.item;
    const rest = { ...webhook, created_at: Date.parse(webhook.created_at) / 1000, updated_at: Math.floor(Date.parse(webhook.updated_at) / 1000) };

    expect(contactFromIntercom(rest)).toEqual(contactFromIntercom(webhook));
  });

  it('turns the empty email Intercom sends for contacts without one into null, and keeps custom attributes', () => {
    const snapshot = contactFromIntercom({
      id: 'c1',
      role: 'lead',
      email: '',
      external_id: null,
      created_at: 1_700_000_000,
      updated_at: 1_700_000_100,
      custom_attributes: { plan: 'pro', seats: 12, trial: false },
    });

    expect(snapshot.contact.email).toBeNull();
    expect(snapshot.contact.customAttributes).toEqual({ plan: 'pro', seats: 12, trial: false });
    expect(snapshot.contact.name).toBeNull();
  });

  it.each([
    ['no id', { role: 'user', created_at: 1, updated_at: 1 }],
    ['a role other than user or lead', { id: 'c1', role: 'visitor', created_at: 1, updated_at: 1 }],
    ['no updated_at', { id: 'c1', role: 'user', created_at: 1 }],
    ['a time that is not a time', { id: 'c1', role: 'user', created_at: 1, updated_at: 'yesterday' }],
    ['the deletion item', fixture('contacts/webhook-contact.deleted.zulip-2026.json').data.item],
  ])('refuses a contact with %s', (_label, item) => {
    expect(() => contactFromIntercom(item)).toThrow(InvalidIntercomContactError);
  });

  it('reads plain REST contacts without the schema exactly as the schema reads them', () => {
    const plain = {
      id: 'c1',
      role: 'lead',
      external_id: 42,
      email: '',
      name: 'Ada',
      phone: null,
      created_at: 1_700_000_000.7,
      updated_at: 1_700_000_100,
      custom_attributes: { plan: 'pro', seats: 3 },
      workspace_id: 'app1',
      unknown_field: { ignored: true },
    };
    // The same contact with one field the plain reading leaves to the schema (an ISO-8601 time).
    const viaSchema = contactFromIntercom({ ...plain, updated_at: '1700000100' });
    expect(contactFromIntercom(plain)).toEqual(viaSchema);
    expect(viaSchema).toMatchObject({ contact: { externalId: '42', email: null, phone: null }, createdAtSeconds: 1_700_000_000, appId: 'app1' });
    for (const bad of [{ ...plain, id: '' }, { ...plain, role: 'admin' }, { ...plain, created_at: -1 }, { ...plain, custom_attributes: [1] }, { ...plain, name: {} }]) {
      expect(() => contactFromIntercom(bad)).toThrow(InvalidIntercomContactError);
    }
  });

  it('leaves a malformed contact out of a page instead of failing the page', () => {
    const good = { id: 'c1', role: 'user', created_at: 10, updated_at: 20 };

    const snapshots = readIntercomContacts([good, { id: 'c2' }, { ...good, id: 'c3' }]);

    expect(snapshots.map((s) => s.contact.id)).toEqual(['c1', 'c3']);
  });
});

describe('changedSince, the incremental sync cut', () => {
  it('keeps exactly the contacts updated at or after the watermark, whatever the day-granular search returned', () => {
    const items = [99, 100, 101].map((updated) => ({ id: `c${updated}`, role: 'user', created_at: 1, updated_at: updated }));

    expect(changedSince(items, 100).map((s) => s.contact.id)).toEqual(['c100', 'c101']);
  });
});
