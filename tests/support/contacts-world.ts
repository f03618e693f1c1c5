import { expect } from 'vitest';
import {
  SimulatorClient,
  type CreateWorkspaceInput,
  type CreatedWorkspace,
  type IntercomContactJson,
  type SeedContactsInput,
} from '../../dev/intercom-simulator';
import { waitFor } from '../../dev/processes';
import type { Contact } from '../../lib/contacts/contact';
import type { ContactsSyncStatus } from '../../lib/connect/status';
import { adminToken, api, newWorkspaceId } from './api';
import { stack } from './local-stack';
import { SEEDED_CONTACT_TIMES } from './seed-times';

export const simulator = new SimulatorClient(stack.intercomUrl);

/** A Timebook workspace connected by token to a simulator workspace with seeded contacts. */
export interface ContactsWorkspace {
  workspaceId: string;
  token: string;
  intercom: CreatedWorkspace;
  /** `/v1/workspaces/{workspaceId}` */
  base: string;
  webhookUrl: string;
}

/**
 * Contacts are created at fixed times, over 2025 unless `seed` gives `startAt` and `endAt`, never
 * relative to the clock (see seed-times.ts).
 */
export async function connectedWithContacts(
  seed: Omit<SeedContactsInput, 'days'>,
  options: CreateWorkspaceInput = {},
): Promise<ContactsWorkspace> {
  const intercom = await simulator.createWorkspace(options);
  if (seed.count > 0) await simulator.seedContacts(intercom.appId, { ...SEEDED_CONTACT_TIMES, ...seed });
  const workspaceId = newWorkspaceId('contacts');
  const token = await adminToken([workspaceId]);
  const base = `/v1/workspaces/${workspaceId}`;
  const connected = await api('POST', `${base}/intercom/token`, { token, body: { accessToken: intercom.accessToken } });
  expect(connected.status, connected.text).toBe(200);
  const secret = await api('PUT', `${base}/intercom/webhook-secret`, { token, body: { clientSecret: intercom.clientSecret } });
  expect(secret.status, secret.text).toBe(200);
  return { workspaceId, token, intercom, base, webhookUrl: secret.body.webhookUrl };
}

/** PATCHes `syncContacts` and returns the status it answers with. */
export async function switchContactSync(ws: ContactsWorkspace, on: boolean) {
  const response = await api('PATCH', `${ws.base}/intercom/settings`, { token: ws.token, body: { syncContacts: on } });
  expect(response.status, response.text).toBe(200);
  return response.body as { settings: { syncContacts: boolean }; contactsSync: ContactsSyncStatus };
}

export async function contactsSync(ws: ContactsWorkspace): Promise<ContactsSyncStatus> {
  return (await adminGet(ws, `${ws.base}/intercom`, (body) => typeof body?.contactsSync?.state === 'string')).contactsSync;
}

/** A GET of the admin API that must answer 200 with the expected shape. */
async function adminGet(ws: ContactsWorkspace, path: string, expected: (body: any) => boolean): Promise<any> {
  const response = await api('GET', path, { token: ws.token });
  if (response.status !== 200 || !expected(response.body)) {
    expect.fail(`GET ${path} answered ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return response.body;
}

/** Polls the status until `done` holds; returns the last status and every state seen on the way. */
export async function waitForContactsSync(
  ws: ContactsWorkspace,
  done: (sync: ContactsSyncStatus) => boolean,
  timeoutMs = 90_000,
): Promise<{ sync: ContactsSyncStatus; states: string[] }> {
  const states: string[] = [];
  let sync: ContactsSyncStatus | undefined;
  await waitFor(
    'the contact sync status',
    async () => {
      sync = await contactsSync(ws);
      if (states.at(-1) !== sync.state) states.push(sync.state);
      if (sync.state === 'failed') throw new Error(`contact backfill failed: ${sync.error}`);
      return done(sync);
    },
    timeoutMs,
  );
  return { sync: sync!, states };
}

/** Every contact `GET .../contacts` lists, following `nextCursor`. */
export async function listedContacts(ws: ContactsWorkspace, limit = 100): Promise<Contact[]> {
  const contacts: Contact[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await adminGet(ws, `${ws.base}/contacts${query}`, (body) => Array.isArray(body?.contacts));
    contacts.push(...page.contacts);
    cursor = page.nextCursor;
  } while (cursor);
  return contacts;
}

/** Every contact of the simulator workspace, read through its REST API like any client would. */
export async function intercomContacts(ws: ContactsWorkspace): Promise<IntercomContactJson[]> {
  const contacts: IntercomContactJson[] = [];
  let startingAfter: string | undefined;
  do {
    const url = new URL(`${stack.intercomUrl}/contacts`);
    url.searchParams.set('per_page', '150');
    if (startingAfter) url.searchParams.set('starting_after', startingAfter);
    const response = await fetch(url, { headers: { authorization: `Bearer ${ws.intercom.accessToken}`, accept: 'application/json' } });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { data: IntercomContactJson[]; pages: { next?: { starting_after?: string } | null } };
    contacts.push(...page.data);
    startingAfter = page.pages.next?.starting_after ?? undefined;
  } while (startingAfter);
  return contacts;
}

/** What the API must show for an Intercom REST contact, written out independently of the service's mapping. */
export function expectedContact(c: IntercomContactJson): Contact {
  const text = (value: unknown) => (value === null || value === undefined || value === '' ? null : String(value));
  return {
    id: c.id,
    externalId: text(c.external_id),
    role: c.role as Contact['role'],
    email: text(c.email),
    name: text(c.name),
    phone: text(c.phone),
    createdAt: new Date(c.created_at * 1000).toISOString(),
    updatedAt: new Date(c.updated_at * 1000).toISOString(),
    customAttributes: (c.custom_attributes as Record<string, unknown>) ?? {},
  };
}

export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Runs the scheduled incremental sync now, through serverless-offline's Lambda Invoke API. */
export async function runScheduledContactSync(): Promise<{ workspaces: number; restarted: number }> {
  return invokeScheduled('contactsIncremental');
}

/** Runs the scheduled contact reconciliation now, through serverless-offline's Lambda Invoke API. */
export async function runScheduledReconciliation(): Promise<{ workspaces: number; queued: number; busy: number }> {
  return invokeScheduled('contactsReconcile');
}

async function invokeScheduled(functionKey: string) {
  const response = await fetch(
    `http://127.0.0.1:${process.env.LAMBDA_PORT}/2015-03-31/functions/timebook-intercom-local-${functionKey}/invocations`,
    { method: 'POST', body: JSON.stringify({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }) },
  );
  const payload = await response.text();
  expect(response.ok && !response.headers.get('x-amz-function-error'), payload).toBe(true);
  return JSON.parse(payload);
}
