import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { ticketIdFor } from '../../lib/feedback/ticket';
import { ticketPageUrl } from '../../lib/feedback/ticket';
import { postLinkBackNote } from '../../lib/feedback/write-back';
import type { QueuedWriteBack, WriteBackQueue } from '../../lib/feedback/write-back-queue';
import { catchUp, catchupWorld } from '../support/catchup-in-process';
import { api } from '../support/api';
import { connectedWorkspace, deliver, enableFeedback, simulator, ticket, timesProcessed, type ConnectedWorkspace } from '../support/feedback-world';
import { inProcessDependencies } from '../support/in-process';
import { stack } from '../support/local-stack';

/*
 * Write-back through the running stack: the tag webhook makes the ticket in the events worker, the
 * write-back worker posts the link-back note on the simulator's conversation, and the simulator
 * delivers that note back as `conversation.admin.noted` to the intake (the app is subscribed to it).
 */

const PRODUCT = 'mobile-app';
const EVERY_PERMISSION_BUT_WRITE = [
  'Read and list users and companies',
  'Read and write users',
  'Read one user and one company',
  'Read conversations',
  'Read tags',
  'Read admins',
] as const;

class MemoryWriteBackQueue implements WriteBackQueue {
  readonly messages: QueuedWriteBack[] = [];
  async send(messages: QueuedWriteBack[]): Promise<void> {
    this.messages.push(...messages);
  }
}

async function status(ws: ConnectedWorkspace) {
  const response = await api('GET', `/v1/workspaces/${ws.workspaceId}/intercom`, { token: ws.token });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

async function switchWriteBack(ws: ConnectedWorkspace, on: boolean) {
  return api('PATCH', `/v1/workspaces/${ws.workspaceId}/intercom/settings`, { token: ws.token, body: { writeBack: on } });
}

/** A workspace with write-back on, feedback on for PRODUCT, subscribed to its notes' notifications. */
async function writeBackWorkspace(): Promise<ConnectedWorkspace> {
  const ws = await connectedWorkspace();
  const on = await switchWriteBack(ws, true);
  expect(on.status, on.text).toBe(200);
  expect(on.body.settings.writeBack).toBe(true);
  await enableFeedback(ws, PRODUCT, [ws.tags['Feature request']!]);
  await simulator.setWebhookSubscription(ws.intercom.appId, { url: ws.webhookUrl, topics: ['conversation.admin.noted'] });
  return ws;
}

/** The conversation's notes that link to the ticket's page. */
async function linkBackNotes(ws: ConnectedWorkspace, conversationId: string, ticketId: string) {
  const url = ticketPageUrl(stack.appUrl, PRODUCT, ticketId);
  const conversation = await simulator.getConversation(ws.intercom.appId, conversationId);
  return conversation.parts.filter((part) => part.partType === 'note' && (part.body ?? '').includes(url));
}

/** Tags a conversation by a named teammate without a notification, then delivers the tag's notification `times` times. */
async function tagAndDeliver(ws: ConnectedWorkspace, conversationId: string, adminId: string, times: number) {
  const tag = await simulator.tagConversation(ws.intercom.appId, conversationId, { tagId: ws.tags['Feature request']!, adminId, notify: false });
  await deliver(ws, { topic: 'conversation_part.tag.created', conversationId, tagId: tag.id, partIds: [tag.partId], times });
}

/** Waits until the note's `conversation.admin.noted` was delivered and applied by the events worker. */
async function waitUntilNoteCameBack(ws: ConnectedWorkspace, conversationId: string) {
  let notificationId: string | undefined;
  await waitFor(
    'the note’s notification to be applied',
    async () => {
      const { deliveries } = await simulator.webhookDeliveries({ appId: ws.intercom.appId });
      const noted = deliveries.find((delivery) => delivery.topic === 'conversation.admin.noted' && delivery.conversationId === conversationId && delivery.status === 'sent');
      notificationId = noted?.notificationId ?? undefined;
      return notificationId !== undefined && timesProcessed(notificationId) >= 1;
    },
    60_000,
  );
}

async function replyPosts(ws: ConnectedWorkspace, conversationId: string): Promise<number> {
  const { recent } = await simulator.getStats(ws.intercom.appId);
  return recent.filter((request) => request.method === 'POST' && request.path === `/conversations/${conversationId}/reply`).length;
}

describe('write-back: the link-back note', () => {
  it('posts exactly one note per ticket, as the teammate who tagged, across a tag delivered three times and a catch-up; the note never shows on the ticket', async () => {
    const ws = await writeBackWorkspace();
    const appId = ws.intercom.appId;
    const tagger = await simulator.createAdmin(appId, { name: 'Priya Tagger', email: 'priya@example.com' });
    const conversation = await simulator.createConversation(appId, { body: '<p>Please add offline mode.</p>' });
    const ticketId = ticketIdFor(ws.workspaceId, PRODUCT, conversation.id);

    await tagAndDeliver(ws, conversation.id, tagger.id, 3);
    await waitFor('the link-back note', async () => (await linkBackNotes(ws, conversation.id, ticketId)).length > 0, 60_000);
    await waitUntilNoteCameBack(ws, conversation.id);

    // The catch-up finds the ticket made and queues no note of its own.
    const queue = new MemoryWriteBackQueue();
    const world = catchupWorld([ws.workspaceId], Math.floor(Date.now() / 1000), () => ({ writeBackQueue: queue }));
    const run = await catchUp(world, Math.floor(Date.now() / 1000) + 60);
    expect(run.queued).toBe(1);
    expect(queue.messages).toEqual([]);

    const notes = await linkBackNotes(ws, conversation.id, ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ authorType: 'admin', authorId: tagger.id });
    expect(notes[0]!.body).toContain(`Sent to Timebook: ${PRODUCT} — `);
    expect(await replyPosts(ws, conversation.id)).toBe(1);

    const stored = await ticket(ws, PRODUCT, ticketId);
    expect(stored.messages.map((message: { body: string }) => message.body)).toEqual(['Please add offline mode.']);
    expect((await status(ws)).writeBack).toEqual({ failedTickets: [], lastError: null, lastErrorAt: null });
  });

  it('posts exactly one note for a ticket the inbox app made, as the teammate who sent it; a second send posts none', async () => {
    const ws = await writeBackWorkspace();
    const appId = ws.intercom.appId;
    const sender = await simulator.createAdmin(appId, { name: 'Sam Sender', email: 'sam@example.com' });
    const conversation = await simulator.createConversation(appId, { body: '<p>Bulk edit for projects.</p>' });
    const ticketId = ticketIdFor(ws.workspaceId, PRODUCT, conversation.id);
    const { submitUrl } = (await status(ws)).inboxApp;
    // One product takes feedback: the card's button carries its id.
    const send = () => simulator.canvasSubmit(appId, { url: submitUrl, conversationId: conversation.id, adminId: sender.id, componentId: `send:${PRODUCT}` });

    const sent = await send();
    expect(sent.status, sent.responseText).toBe(200);
    expect(sent.responseText).toContain(`Sent to ${PRODUCT}.`);
    await waitFor('the link-back note', async () => (await linkBackNotes(ws, conversation.id, ticketId)).length > 0, 60_000);
    await waitUntilNoteCameBack(ws, conversation.id);

    const again = await send();
    expect(again.status, again.responseText).toBe(200);
    expect(again.responseText).toContain('Already in');

    const notes = await linkBackNotes(ws, conversation.id, ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ authorType: 'admin', authorId: sender.id });
    expect(await replyPosts(ws, conversation.id)).toBe(1);
    const stored = await ticket(ws, PRODUCT, ticketId);
    expect(stored).toMatchObject({ source: 'inbox_app', sentBy: { adminId: sender.id, name: 'Sam Sender', email: 'sam@example.com' } });
    expect(stored.messages.map((message: { body: string }) => message.body)).toEqual(['Bulk edit for projects.']);
    // Cold functions (the inbox app's, the write-back worker's) on a busy machine, when this runs first.
  }, 120_000);

  it('posts nothing more when the answer of the post was lost: the retry finds the note on the conversation', async () => {
    const ws = await writeBackWorkspace();
    const appId = ws.intercom.appId;
    const conversation = await simulator.createConversation(appId, { body: '<p>Dark mode, please.</p>' });
    const ticketId = ticketIdFor(ws.workspaceId, PRODUCT, conversation.id);
    // The note is stored and the connection closed without an answer.
    await simulator.dropAnswer(appId, { method: 'POST', pathPrefix: `/conversations/${conversation.id}/reply`, count: 1, answer: 'reset' });
    await simulator.resetStats(appId);

    await tagAndDeliver(ws, conversation.id, (await simulator.getWorkspace(appId)).admins[0]!.id, 1);
    await waitFor('the note to be recognised as posted', async () => (await inProcessDependencies().writeBacks.get(ticketId))?.state === 'done', 60_000);

    expect(await linkBackNotes(ws, conversation.id, ticketId)).toHaveLength(1);
    expect(await replyPosts(ws, conversation.id)).toBe(1);
    expect(await inProcessDependencies().writeBacks.get(ticketId)).toMatchObject({ attempts: 1, lastError: null });
    await waitUntilNoteCameBack(ws, conversation.id);
    expect((await ticket(ws, PRODUCT, ticketId)).messages).toHaveLength(1);
  });

  it('retries a note Intercom refuses with 500s, reports it in the status meanwhile, and the ticket exists regardless', async () => {
    const ws = await writeBackWorkspace();
    const appId = ws.intercom.appId;
    const conversation = await simulator.createConversation(appId, { body: '<p>Export to CSV.</p>' });
    const ticketId = ticketIdFor(ws.workspaceId, PRODUCT, conversation.id);
    await simulator.failNext(appId, { method: 'POST', pathPrefix: `/conversations/${conversation.id}/reply`, status: 500, count: 2 });

    await tagAndDeliver(ws, conversation.id, (await simulator.getWorkspace(appId)).admins[0]!.id, 1);
    await waitFor('the ticket', async () => (await api('GET', `/v1/workspaces/${ws.workspaceId}/products/${PRODUCT}/feedback/${ticketId}`, { token: ws.token })).status === 200, 60_000);
    await waitFor('the failure in the status', async () => (await status(ws)).writeBack.failedTickets.length === 1, 60_000);
    const failing = (await status(ws)).writeBack;
    expect(failing.failedTickets[0]).toMatchObject({ ticketId, productId: PRODUCT, state: 'pending' });
    expect(failing.lastError).toContain('500');

    await waitFor('the note after the retries', async () => (await linkBackNotes(ws, conversation.id, ticketId)).length === 1, 90_000);
    await waitFor('the status to clear', async () => (await status(ws)).writeBack.failedTickets.length === 0, 30_000);
    expect(await linkBackNotes(ws, conversation.id, ticketId)).toHaveLength(1);
  });

  it('posts the note of a ticket only the catch-up made, once however often its message is handled', async () => {
    const ws = await writeBackWorkspace();
    const appId = ws.intercom.appId;
    const conversation = await simulator.createConversation(appId, { body: '<p>Calendar sync would be great.</p>' });
    const ticketId = ticketIdFor(ws.workspaceId, PRODUCT, conversation.id);
    // Every delivery of the tag failed: only the catch-up can find it.
    await simulator.tagConversation(appId, conversation.id, { tagId: ws.tags['Feature request']!, notify: false });

    const queue = new MemoryWriteBackQueue();
    const world = catchupWorld([ws.workspaceId], Math.floor(Date.now() / 1000), () => ({ writeBackQueue: queue }));
    await catchUp(world, Math.floor(Date.now() / 1000) + 60);
    expect(queue.messages.map((queued) => queued.message)).toEqual([{ kind: 'write-back', workspaceId: ws.workspaceId, ticketId }]);

    // The message handled twice at once and once more later, as SQS may hand it out.
    const message = queue.messages[0]!.message;
    const first = await Promise.allSettled([postLinkBackNote(world.deps, message), postLinkBackNote(world.deps, message)]);
    const outcomes = first.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).name));
    expect(outcomes.filter((outcome) => outcome === 'posted')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'posted')).toEqual([expect.stringMatching(/^(WriteBackBusyError|done_already)$/)]);
    expect(await postLinkBackNote(world.deps, message)).toBe('done_already');
    const notes = await linkBackNotes(ws, conversation.id, ticketId);
    expect(notes).toHaveLength(1);
    // The simulator records the workspace's first admin as the teammate who applied the tag.
    expect(notes[0]!.authorType).toBe('admin');
  });

  it('reports Write conversations as an optional permission at connect, and refuses write-back without it', async () => {
    const intercom = await simulator.createWorkspace({ tokenPermissions: [...EVERY_PERMISSION_BUT_WRITE] });
    const ws = await connectedWorkspace(intercom);
    expect((await status(ws)).permissions).toEqual({ missingOptional: ['Write conversations'] });

    const refused = await switchWriteBack(ws, true);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'intercom_permissions_missing', missing: ['Write conversations'] });
    expect((await status(ws)).settings.writeBack).toBe(false);

    // The admin ticks the permission: a new token connects without a missing permission, and write-back switches on.
    const granted = await simulator.createToken(intercom.appId, {});
    const reconnected = await api('POST', `/v1/workspaces/${ws.workspaceId}/intercom/token`, { token: ws.token, body: { accessToken: granted.token } });
    expect(reconnected.status, reconnected.text).toBe(200);
    expect(reconnected.body.permissions.missingOptional).toEqual([]);
    expect((await switchWriteBack(ws, true)).status).toBe(200);
    expect((await status(ws)).settings.writeBack).toBe(true);
  });
});
