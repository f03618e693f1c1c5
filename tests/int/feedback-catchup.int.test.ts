import { describe, expect, it } from 'vitest';
import type { CreateWorkspaceInput } from '../../dev/intercom-simulator';
import { updateSettings } from '../../lib/connect/manage-connection';
import { toQueuedEvent } from '../../lib/events/queued-event';
import { CATCHUP_STEP_BUDGET_MS, processCatchup, scheduleFeedbackCatchup, type CatchupOutcome } from '../../lib/feedback/catchup';
import { createTicketsFromTag } from '../../lib/feedback/feedback-events';
import { sendConversationToProduct } from '../../lib/feedback/send-conversation';
import { notificationSchema } from '../../lib/intercom/notification.schema';
import { CATCHUP_LEASE_SECONDS } from '../../lib/feedback/catchup-state';
import type { Dependencies } from '../../lib/platform/dependencies';
import { FeedbackStore } from '../../lib/store/feedback-store';
import { keys } from '../../lib/store/keys';
import { queryAll } from '../../lib/store/table';
import { api } from '../support/api';
import { catchUp, catchupWorld, storedTickets, type CatchupWorld } from '../support/catchup-in-process';
import { connectedWorkspace, deliver, simulator, timesProcessed, waitUntilProcessed, type ConnectedWorkspace } from '../support/feedback-world';
import { inProcessDependencies } from '../support/in-process';
import { utc } from '../support/seed-times';

/*
 * The feedback catch-up's use cases run here, in the test process, against the local stack's
 * DynamoDB, Secrets Manager and Intercom simulator, with an in-memory queue in place of SQS and a
 * clock the test sets (the stack's own schedule is off in tests). Every time is fixed: feedback is
 * switched on at ENABLED_AT, the simulated agents act at given times after it, and each catch-up
 * runs at a given "now". Changes are made in the simulator without any delivery, as when every
 * delivery failed; a few webhooks are then delivered late to the real stack.
 */

const ENABLED_AT = '2026-03-02T09:00:00.000Z';
const E = utc(ENABLED_AT);
const MINUTE = 60;
const PRODUCT = 'prod_catchup';

/** Dependencies on the local stack whose schedule visits only `workspaceIds`, the clock at ENABLED_AT. */
function world(workspaceIds: string[], replace: (deps: Dependencies) => Partial<Dependencies> = () => ({})): CatchupWorld {
  return catchupWorld(workspaceIds, E, replace);
}

/** A token-connected workspace whose product has feedback on since ENABLED_AT (trigger: "Feature request"), its catch-up starting there. */
async function feedbackWorkspace(intercom: CreateWorkspaceInput = {}): Promise<ConnectedWorkspace & { trigger: string }> {
  const ws = await connectedWorkspace(await simulator.createWorkspace(intercom));
  const trigger = ws.tags['Feature request']!;
  const deps = inProcessDependencies();
  await deps.feedback.putProductFeedback(ws.workspaceId, { productId: PRODUCT, enabled: true, triggerTagIds: [trigger], enabledAt: ENABLED_AT, productName: PRODUCT });
  const connection = (await deps.connections.get(ws.workspaceId))!;
  // Connected for real just now; for the catch-up, connected when feedback was switched on.
  await deps.feedbackCatchup.begin(ws.workspaceId, connection.connectionId, E);
  return { ...ws, trigger };
}

async function conversation(ws: ConnectedWorkspace, at: number, body: string, parts: Array<{ kind: 'user_reply' | 'admin_reply' | 'admin_note'; body: string; at: number }> = []) {
  return simulator.createConversation(ws.intercom.appId, {
    createdAt: at,
    body: `<p>${body}</p>`,
    parts: parts.map((part) => ({ kind: part.kind, body: `<p>${part.body}</p>`, createdAt: part.at })),
  });
}

async function tag(ws: ConnectedWorkspace, conversationId: string, tagId: string, at: number) {
  return simulator.tagConversation(ws.intercom.appId, conversationId, { tagId, appliedAt: at });
}

async function reply(ws: ConnectedWorkspace, conversationId: string, body: string, at: number) {
  return (await simulator.addPart(ws.intercom.appId, conversationId, { kind: 'user_reply', body: `<p>${body}</p>`, createdAt: at })).part;
}

/** Every ticket of the workspace's product with its messages (oldest first), as stored. */
function tickets(w: CatchupWorld, ws: ConnectedWorkspace) {
  return storedTickets(w, ws.workspaceId, PRODUCT);
}

/** Every stored item of the workspace's tickets, as text: nothing redacted may be in it. */
async function storedTicketText(w: CatchupWorld, ws: ConnectedWorkspace): Promise<string> {
  const page = await w.deps.feedback.listInbox(ws.workspaceId, PRODUCT, 100, undefined);
  const items = await Promise.all(
    page.tickets.map((t) => queryAll(w.deps.table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ticket(t.id).pk } })),
  );
  return JSON.stringify(items);
}

async function status(ws: ConnectedWorkspace) {
  const response = await api('GET', `/v1/workspaces/${ws.workspaceId}/intercom`, { token: ws.token });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

describe.each([
  { label: 'leave updated_at as it was', touches: false },
  { label: 'move updated_at', touches: true },
])('when tagging and redaction $label', ({ touches }) => {
  it('one run recovers tags, replies and redactions made without any delivery, on the region\'s own host; late webhooks then change nothing', async () => {
    const ws = await feedbackWorkspace({ region: 'EU', strictRegion: true, tagTouchesUpdatedAt: touches, redactTouchesUpdatedAt: touches });
    const w = world([ws.workspaceId]);
    const bug = ws.tags.Bug!;

    // Before the first catch-up: a tagged conversation with a reply, one tagged before feedback was
    // switched on (never counts), one whose customer shares a secret, and one not tagged yet.
    const replied = await conversation(ws, E + 5 * MINUTE, 'Please add an iCal export.', [{ kind: 'user_reply', body: 'For every project.', at: E + 7 * MINUTE }]);
    await tag(ws, replied.id, ws.trigger, E + 8 * MINUTE);
    const early = await conversation(ws, E - 120 * MINUTE, 'Dark mode, please.');
    await tag(ws, early.id, ws.trigger, E - 60 * MINUTE);
    const secret = await conversation(ws, E + 10 * MINUTE, 'Export to PDF would help.', [
      { kind: 'user_reply', body: 'My card is 4111 1111 1111 1111.', at: E + 12 * MINUTE },
    ]);
    await tag(ws, secret.id, ws.trigger, E + 13 * MINUTE);
    const later = await conversation(ws, E + 15 * MINUTE, 'Could invoices show the project code?', [
      { kind: 'admin_reply', body: 'Noted, thanks.', at: E + 16 * MINUTE },
    ]);

    const first = await catchUp(w, E + 60 * MINUTE);
    expect(first).toMatchObject({ queued: 1, busy: 0, outcomes: ['completed'] });
    expect((await tickets(w, ws)).map((t) => t.conversationId).sort()).toEqual([replied.id, secret.id].sort());
    expect(await storedTicketText(w, ws)).toContain('4111 1111 1111 1111');

    // Then, with every delivery failing: the untagged conversation gets the trigger tag (and an
    // unrelated one), the first gets a reply, the secret is redacted. Nothing else happens to them.
    const laterTag = await tag(ws, later.id, ws.trigger, E + 66 * MINUTE);
    await tag(ws, later.id, bug, E + 66 * MINUTE);
    const newReply = await reply(ws, replied.id, 'And for each client too.', E + 67 * MINUTE);
    const secretPart = (await simulator.getConversation(ws.intercom.appId, secret.id)).parts.find((part) => part.body?.includes('4111'))!;
    await simulator.redact(ws.intercom.appId, secret.id, { partId: secretPart.id, redactedAt: E + 68 * MINUTE });
    expect((await simulator.getConversation(ws.intercom.appId, later.id)).updatedAt).toBe(touches ? E + 66 * MINUTE : E + 16 * MINUTE);

    await simulator.resetStats(ws.intercom.appId);
    const second = await catchUp(w, E + 75 * MINUTE);
    expect(second.outcomes).toEqual(['completed']);
    const recovered = await tickets(w, ws);
    expect(recovered.map((t) => t.conversationId).sort()).toEqual([replied.id, secret.id, later.id].sort());
    const byConversation = new Map(recovered.map((t) => [t.conversationId, t]));
    expect(byConversation.get(later.id)!.messages.map((m) => m.body)).toEqual(['Could invoices show the project code?', 'Noted, thanks.']);
    expect(byConversation.get(replied.id)!.messages.map((m) => m.body)).toEqual([
      'Please add an iCal export.',
      'For every project.',
      'And for each client too.',
    ]);
    expect(byConversation.get(replied.id)!.messages.at(-1)!.id).toBe(newReply.id);
    expect(byConversation.get(secret.id)!.messages.find((m) => m.id === secretPart.id)).toEqual({ id: secretPart.id, body: '', redacted: true });
    expect(await storedTicketText(w, ws)).not.toContain('4111');
    expect(recovered.some((t) => t.conversationId === early.id)).toBe(false);

    // Every call went to the EU host; the catch-up fetched only what needed work.
    const stats = await simulator.getStats(ws.intercom.appId);
    expect(Object.keys(stats.byHost)).toEqual(['EU']);
    expect(stats.byStatus['401']).toBeUndefined();
    const fetches = stats.byHost.EU!.byRoute['GET /conversations/{id}'];
    console.log(`catch-up with tags ${touches ? 'moving' : 'not moving'} updated_at: ${stats.total} Intercom calls`, stats.byHost.EU!.byRoute);
    // The tagged one, the replied one and the redacted one; no other conversation was fetched.
    expect(fetches).toBe(3);

    const shown = await status(ws);
    expect(shown.feedbackSync).toEqual({ lastCatchupAt: new Date((E + 75 * MINUTE) * 1000).toISOString(), recovered: expect.any(Number), lastError: null });
    // Two tickets in the first run; a ticket, a reply and a redaction in the second.
    expect(shown.feedbackSync.recovered).toBe(5);

    // The late webhooks of all three arrive: nothing changes, nothing is doubled.
    const before = await tickets(w, ws);
    const late = await Promise.all([
      deliver(ws, { topic: 'conversation_part.tag.created', conversationId: later.id, tagId: laterTag.id, partIds: [laterTag.partId] }),
      deliver(ws, { topic: 'conversation.user.replied', conversationId: replied.id, partIds: [newReply.id] }),
      deliver(ws, { topic: 'conversation_part.redacted', conversationId: secret.id, partIds: [secretPart.id] }),
    ]);
    await waitUntilProcessed(late.map((result) => result.envelope.id!));
    expect(await tickets(w, ws)).toEqual(before);
    expect(await storedTicketText(w, ws)).not.toContain('4111');

    // A catch-up after them finds nothing to recover.
    await catchUp(w, E + 80 * MINUTE);
    expect(await tickets(w, ws)).toEqual(before);
    expect((await status(ws)).feedbackSync.recovered).toBe(5);
  }, 120_000);
});

describe('the catch-up and the webhook path', () => {
  it('a catch-up after webhooks that arrived changes nothing', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    await catchUp(w, E + 30 * MINUTE);

    const delivered = await conversation(ws, E + 31 * MINUTE, 'Recurring tasks?');
    const applied = await tag(ws, delivered.id, ws.trigger, E + 32 * MINUTE);
    const part = await reply(ws, delivered.id, 'Weekly ones.', E + 33 * MINUTE);
    const first = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: delivered.id, tagId: applied.id, partIds: [applied.partId] });
    await waitUntilProcessed([first.envelope.id!]);
    const second = await deliver(ws, { topic: 'conversation.user.replied', conversationId: delivered.id, partIds: [part.id] });
    await waitUntilProcessed([second.envelope.id!]);
    expect(timesProcessed(second.envelope.id!)).toBe(1);
    const before = await tickets(w, ws);
    expect(before.map((t) => t.messages.length)).toEqual([2]);

    const run = await catchUp(w, E + 40 * MINUTE);
    expect(run.outcomes).toEqual(['completed']);
    expect(await tickets(w, ws)).toEqual(before);
    expect((await w.deps.feedbackCatchup.get(ws.workspaceId))!.recovered).toBe(0);
  }, 90_000);
});

describe('a ticket sent from the inbox app', () => {
  it('is caught up like a tag-made one: a reply whose webhook never came reaches it', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    const sent = await conversation(ws, E + 5 * MINUTE, 'Can invoices show the project code?');
    w.clock.now = (E + 10 * MINUTE) * 1000;
    const connection = (await w.deps.connections.get(ws.workspaceId))!;
    const outcome = await sendConversationToProduct(w.deps, connection, {
      conversationId: sent.id,
      productId: PRODUCT,
      sentBy: { adminId: '1', name: 'Grace', email: null },
    });
    expect(outcome).toMatchObject({ kind: 'created', ticket: { source: 'inbox_app', intercom: { tagIds: [] } } });
    const part = await reply(ws, sent.id, 'Ours are all per project.', E + 20 * MINUTE);

    const run = await catchUp(w, E + 30 * MINUTE);

    expect(run.outcomes).toEqual(['completed']);
    const [caught] = await tickets(w, ws);
    expect(caught!.messages.map((m) => [m.id, m.body])).toEqual([
      [sent.sourceId, 'Can invoices show the project code?'],
      [part.id, 'Ours are all per project.'],
    ]);
  }, 90_000);
});

describe('tickets the webhooks made', () => {
  it('are counted and re-read: a redaction of a ticket whose conversation shows no change is found, without a sweep', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    const quiet = await conversation(ws, E + MINUTE, 'Per-client invoices.', [{ kind: 'user_reply', body: 'My password is hunter2.', at: E + 2 * MINUTE }]);
    await catchUp(w, E + 60 * MINUTE);

    // Tagged later, and its webhook handled (in process, on the test's clock); the tag leaves
    // `updated_at` an hour old. Then the secret is redacted, and that webhook is lost.
    const applied = await tag(ws, quiet.id, ws.trigger, E + 61 * MINUTE);
    const built = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'conversation_part.tag.created', conversationId: quiet.id, tagId: applied.id, partIds: [applied.partId] });
    w.clock.now = (E + 62 * MINUTE) * 1000;
    await createTicketsFromTag(w.deps, toQueuedEvent(ws.workspaceId, w.deps.clock(), notificationSchema().parse(built.envelope)));
    expect(await storedTicketText(w, ws)).toContain('hunter2');
    const secretPart = (await simulator.getConversation(ws.intercom.appId, quiet.id)).parts.find((part) => part.body?.includes('hunter2'))!;
    await simulator.redact(ws.intercom.appId, quiet.id, { partId: secretPart.id, redactedAt: E + 63 * MINUTE });

    await simulator.resetStats(ws.intercom.appId);
    expect((await catchUp(w, E + 70 * MINUTE)).outcomes).toEqual(['completed']);
    expect(await storedTicketText(w, ws)).not.toContain('hunter2');
    // One page of updated conversations and one count; the webhook's ticket was counted, so no sweep.
    expect((await simulator.getStats(ws.intercom.appId)).byRoute).toMatchObject({
      'POST /conversations/search': { count: 2 },
      'GET /conversations/{id}': { count: 1 },
    });
  }, 90_000);

  it('a second trigger tag on a ticketed conversation, seen by its webhook, needs no sweep', async () => {
    const ws = await feedbackWorkspace();
    const second = ws.tags['Bug']!;
    const w = world([ws.workspaceId]);
    await w.deps.feedback.putProductFeedback(ws.workspaceId, { productId: PRODUCT, enabled: true, triggerTagIds: [ws.trigger, second], enabledAt: ENABLED_AT, productName: PRODUCT });
    const asked = await conversation(ws, E + MINUTE, 'Dark mode, please.');
    const handleTag = async (tagId: string, at: number) => {
      const applied = await tag(ws, asked.id, tagId, at);
      const built = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'conversation_part.tag.created', conversationId: asked.id, tagId: applied.id, partIds: [applied.partId] });
      w.clock.now = (at + MINUTE) * 1000;
      await createTicketsFromTag(w.deps, toQueuedEvent(ws.workspaceId, w.deps.clock(), notificationSchema().parse(built.envelope)));
    };
    await handleTag(ws.trigger, E + 2 * MINUTE);
    expect((await catchUp(w, E + 30 * MINUTE)).outcomes).toEqual(['completed']);
    const sweepAfterFirst = (await w.deps.feedbackCatchup.get(ws.workspaceId))!.sweep;

    // The same product's other trigger tag: no new ticket, but Intercom now counts one more
    // conversation carrying it, and the webhook saw that.
    await handleTag(second, E + 31 * MINUTE);
    expect((await tickets(w, ws)).length).toBe(1);
    expect((await catchUp(w, E + 60 * MINUTE)).outcomes).toEqual(['completed']);
    expect((await w.deps.feedbackCatchup.get(ws.workspaceId))!.sweep).toEqual(sweepAfterFirst);
    expect((await tickets(w, ws)).length).toBe(1);
  }, 90_000);

  it('a tag applied while feedback was off never counts, after it is switched on again', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    await catchUp(w, E + 10 * MINUTE);
    w.clock.now = (E + 20 * MINUTE) * 1000;
    await updateSettings(w.deps, ws.workspaceId, { syncFeedback: false });
    const whileOff = await conversation(ws, E + 21 * MINUTE, 'Offline mode.');
    await tag(ws, whileOff.id, ws.trigger, E + 22 * MINUTE);
    expect(await catchUp(w, E + 25 * MINUTE)).toMatchObject({ queued: 0, skipped: 1 });

    w.clock.now = (E + 30 * MINUTE) * 1000;
    await updateSettings(w.deps, ws.workspaceId, { syncFeedback: true });
    expect((await w.deps.feedbackCatchup.get(ws.workspaceId))!).toMatchObject({ watermark: E + 30 * MINUTE, countsFrom: E + 30 * MINUTE });
    const afterOn = await conversation(ws, E + 31 * MINUTE, 'Dark mode.');
    await tag(ws, afterOn.id, ws.trigger, E + 32 * MINUTE);
    // The counts disagree (the tag applied while off was never seen): the run sweeps, and still makes no ticket of it.
    expect((await catchUp(w, E + 40 * MINUTE)).outcomes).toEqual(['completed']);
    expect((await tickets(w, ws)).map((t) => t.conversationId)).toEqual([afterOn.id]);
  }, 90_000);
});

describe('a catch-up that runs out of time', () => {
  it('queues the rest of its run from where it stopped, within a page, and finishes it exactly once', async () => {
    const ws = await feedbackWorkspace();
    // Every read of the clock moves it a millisecond, and each message's invocation has room for
    // a step or two: the run goes on in many messages.
    const ticking = { now: (E + 30 * MINUTE) * 1000 };
    const w = world([ws.workspaceId], () => ({ clock: () => new Date((ticking.now += 1)) }));
    const ids: string[] = [];
    for (let index = 0; index < 9; index += 1) {
      const created = await conversation(ws, E + index * MINUTE, `Wish ${index}`, [{ kind: 'user_reply', body: `Details ${index}`, at: E + index * MINUTE + 30 }]);
      await tag(ws, created.id, ws.trigger, E + index * MINUTE + 40);
      ids.push(created.id);
    }
    await simulator.resetStats(ws.intercom.appId);
    expect(await scheduleFeedbackCatchup(w.deps)).toMatchObject({ queued: 1 });
    const outcomes: CatchupOutcome[] = [];
    const positions: Array<string | null> = [];
    for (let message = w.queue.take(); message && outcomes.length < 50; message = w.queue.take()) {
      positions.push(message.after?.id ?? null);
      outcomes.push(await processCatchup(w.deps, message, new Date(ticking.now + CATCHUP_STEP_BUDGET_MS + 12)));
    }
    expect(outcomes.at(-1)).toBe('completed');
    expect(outcomes.filter((outcome) => outcome === 'continued').length).toBeGreaterThan(1);
    // Later messages start after the conversations already done, in the same page.
    expect(positions.filter((id) => id !== null).length).toBeGreaterThan(0);
    const done = await tickets(w, ws);
    expect(done.map((t) => t.conversationId).sort()).toEqual([...ids].sort());
    for (const t of done) expect(t.messages).toHaveLength(2);
    // Each conversation was fetched once: no message redid another's work.
    expect((await simulator.getStats(ws.intercom.appId)).byRoute['GET /conversations/{id}']).toMatchObject({ count: 9 });
  }, 90_000);
});

describe('a catch-up that fails', () => {
  it('redoes after a crash half-way and skips nothing: the watermark moves only once all is done', async () => {
    let crashes = 1;
    const ids: string[] = [];
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId], ({ feedback }) => ({
      feedback: Object.assign(Object.create(feedback) as FeedbackStore, {
        createTicket: async (...args: Parameters<FeedbackStore['createTicket']>) => {
          if (args[0].intercom.conversationId === ids[2] && crashes-- > 0) throw new Error('The Lambda runtime ended the invocation');
          return feedback.createTicket(...args);
        },
      }),
    }));
    for (const offset of [1, 2, 3, 4]) {
      const created = await conversation(ws, E + offset * MINUTE, `Idea number ${offset}`);
      await tag(ws, created.id, ws.trigger, E + offset * MINUTE + 10);
      await reply(ws, created.id, `More on idea ${offset}`, E + offset * MINUTE + 20);
      ids.push(created.id);
    }

    w.clock.now = (E + 30 * MINUTE) * 1000;
    expect(await scheduleFeedbackCatchup(w.deps)).toMatchObject({ queued: 1 });
    const message = w.queue.take()!;
    await expect(processCatchup(w.deps, message, new Date(w.clock.now + 3_600_000))).rejects.toThrow('ended the invocation');
    const crashed = (await w.deps.feedbackCatchup.get(ws.workspaceId))!;
    expect(crashed.watermark).toBe(E);
    expect(crashed.lastCatchupAt).toBeNull();
    expect(crashed.run?.runId).toBe(message.runId);
    expect((await tickets(w, ws)).length).toBeLessThan(4);

    // SQS hands the message over again while the run still holds its lease: it redoes the run.
    w.clock.now += 5 * 60_000;
    expect(await processCatchup(w.deps, message, new Date(w.clock.now + 3_600_000))).toBe('completed');
    const done = await tickets(w, ws);
    expect(done.map((t) => t.conversationId).sort()).toEqual([...ids].sort());
    for (const t of done) expect(t.messages).toHaveLength(2);
    expect((await w.deps.feedbackCatchup.get(ws.workspaceId))!.watermark).toBe(E + 30 * MINUTE);
  }, 90_000);

  it('records an Intercom failure in lastError and releases the lease; the next run redoes from the same watermark', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    const created = await conversation(ws, E + 2 * MINUTE, 'Time zones per project.');
    await tag(ws, created.id, ws.trigger, E + 3 * MINUTE);
    await simulator.failNext(ws.intercom.appId, { method: 'POST', pathPrefix: '/conversations/search', status: 503, count: 10 });

    const failed = await catchUp(w, E + 30 * MINUTE);
    expect(failed.outcomes).toEqual(['failed']);
    const state = (await w.deps.feedbackCatchup.get(ws.workspaceId))!;
    expect(state).toMatchObject({ watermark: E, run: null, lastCatchupAt: null });
    expect(state.lastError).toMatch(/503/);
    expect((await status(ws)).feedbackSync).toEqual({ lastCatchupAt: null, recovered: 0, lastError: state.lastError });

    await simulator.clearFaults(ws.intercom.appId);
    expect((await catchUp(w, E + 35 * MINUTE)).outcomes).toEqual(['completed']);
    expect((await tickets(w, ws)).map((t) => t.conversationId)).toEqual([created.id]);
    expect((await status(ws)).feedbackSync).toMatchObject({ recovered: 1, lastError: null });
  }, 90_000);

  it('marks a refused token needs_reauth once, and the workspace is skipped from then on', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    await simulator.revokeToken(ws.intercom.appId, ws.intercom.accessToken);
    const refused = await catchUp(w, E + 30 * MINUTE);
    expect(refused.outcomes).toEqual(['failed']);
    const shown = await status(ws);
    expect(shown.status).toBe('needs_reauth');
    expect(shown.feedbackSync.lastError).toMatch(/refused the access token/);

    await simulator.resetStats(ws.intercom.appId);
    expect(await catchUp(w, E + 35 * MINUTE)).toMatchObject({ queued: 0, skipped: 1, outcomes: [] });
    expect((await simulator.getStats(ws.intercom.appId)).total).toBe(0);
  }, 90_000);
});

describe('one catch-up at a time per workspace', () => {
  it('two schedules at once queue one run; another waits while it holds the lease, and a crashed run\'s lease expires', async () => {
    const ws = await feedbackWorkspace();
    const w = world([ws.workspaceId]);
    const created = await conversation(ws, E + 2 * MINUTE, 'Bulk edit, please.');
    await tag(ws, created.id, ws.trigger, E + 3 * MINUTE);
    w.clock.now = (E + 30 * MINUTE) * 1000;

    const both = await Promise.all([scheduleFeedbackCatchup(w.deps), scheduleFeedbackCatchup(w.deps)]);
    expect(both.map((s) => s.queued).sort()).toEqual([0, 1]);
    expect(both.map((s) => s.busy).sort()).toEqual([0, 1]);
    const [message, extra] = [w.queue.take()!, w.queue.take()];
    expect(extra).toBeUndefined();

    // While the run is queued, the next schedules find the workspace busy.
    w.clock.now += 5 * 60_000;
    expect(await scheduleFeedbackCatchup(w.deps)).toMatchObject({ queued: 0, busy: 1 });
    // The run's message never comes back (its invocation died and SQS gave up): once the lease
    // has expired, a new run starts from the same watermark and does the work.
    w.clock.now += CATCHUP_LEASE_SECONDS * 1000;
    const next = await catchUp(w, w.clock.now / 1000);
    expect(next).toMatchObject({ queued: 1, outcomes: ['completed'] });
    expect((await tickets(w, ws)).map((t) => t.conversationId)).toEqual([created.id]);
    // The old run's late message changes nothing.
    const after = await w.deps.feedbackCatchup.get(ws.workspaceId);
    expect(await processCatchup(w.deps, message, new Date(w.clock.now + 3_600_000))).toBe('stale');
    expect(await w.deps.feedbackCatchup.get(ws.workspaceId)).toEqual(after);
    expect(w.queue.take()).toBeUndefined();
  }, 90_000);

  it('leaves another workspace alone: one with feedback off is not read at all', async () => {
    const ws = await feedbackWorkspace();
    const off = await feedbackWorkspace();
    const w = world([ws.workspaceId, off.workspaceId]);
    const patched = await api('PATCH', `/v1/workspaces/${off.workspaceId}/intercom/settings`, { token: off.token, body: { syncFeedback: false } });
    expect(patched.status, patched.text).toBe(200);
    const mine = await conversation(ws, E + 2 * MINUTE, 'Gantt charts.');
    await tag(ws, mine.id, ws.trigger, E + 3 * MINUTE);
    const theirs = await conversation(off, E + 2 * MINUTE, 'Kanban boards.');
    await tag(off, theirs.id, off.trigger, E + 3 * MINUTE);
    await simulator.resetStats(off.intercom.appId);

    expect(await catchUp(w, E + 30 * MINUTE)).toMatchObject({ queued: 1, skipped: 1, outcomes: ['completed'] });
    expect((await tickets(w, ws)).map((t) => t.conversationId)).toEqual([mine.id]);
    expect(await tickets(w, off)).toEqual([]);
    expect((await simulator.getStats(off.intercom.appId)).total).toBe(0);
    expect((await w.deps.feedbackCatchup.get(off.workspaceId))!).toMatchObject({ run: null, lastCatchupAt: null, watermark: E });
  }, 90_000);
});
