import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliverySummary, WebhookSubscriptionInput } from '../../dev/intercom-simulator';
import type { ProvisionedQueue } from '../../dev/provision';
import { waitFor } from '../../dev/processes';
import { logger } from '../../lib/platform/logger';
import { api } from '../support/api';
import { catchUp, catchupWorld, storedTickets, type CatchupWorld, type TicketView } from '../support/catchup-in-process';
import { allStoredText, functionLogText } from '../support/evidence';
import { connectedWorkspace, enableFeedback, simulator, type ConnectedWorkspace } from '../support/feedback-world';
import { sqs } from '../support/local-stack';

/*
 * Deliveries Intercom gave up on, and a paused subscription, through the real intake. A
 * token-connected workspace's private app is subscribed to the intake URL its status shows, so the
 * simulator delivers every change by itself under Intercom's rules: a failed notification is
 * retried once a minute later, then marked failed; too many errors pause the subscription and what
 * happens meanwhile is never sent.
 *
 * How the intake breaks: the Intercom app's client secret is replaced in Intercom (an admin
 * regenerates it in the Developer Hub) and Timebook still holds the old one, the "expired client
 * secret" of issue 13. Every notification then fails the intake's signature check with 401, on both
 * attempts, while everything else keeps working: the token, the workers, the catch-up. It is the
 * stack's own answer to a real fault, not an injected one, and it stops exactly when the admin
 * pastes the new secret. (A stopped events queue would answer 500 the same way, but the local SQS
 * runs inside the test run's setup process and serves every other queue too.)
 *
 * Times: the simulator's clock is frozen and moved by the test (retries and pauses fire only when it
 * moves), and the catch-up runs in process with an injected clock. Both follow one simulated
 * timeline of fixed offsets from a start T that lies a minute or two after the test begins: the
 * intake refuses notifications more than three days old by its own clock, and the workers stamp
 * what they sync with theirs, so the timeline cannot sit at a fixed date; it runs ahead of the
 * real clock, as a schedule's later runs lie after the work before them. Nothing depends on the
 * date or the hour.
 */

const PRODUCT = 'missed';
const TOPICS: WebhookSubscriptionInput['topics'] = [
  'conversation_part.tag.created',
  'conversation.user.replied',
  'conversation.admin.replied',
  'conversation.admin.noted',
  'conversation.operator.replied',
  'conversation_part.redacted',
];
/** Ticketed before the outage: the first REPLIED get a reply during it, the next REDACTED a redaction. */
const EARLY = 15;
const REPLIED = 10;
const REDACTED = 5;
/** Untagged before the outage; tagged during it. */
const LATE = 30;
/** Where the catch-up runs: every five minutes from T. */
const PERIOD = 300;
/** The paused case's threshold: more than this many consecutive errors pause the subscription (Intercom: 1,000). */
const PAUSE_AFTER = 5;

/** Every ticket of the product with its messages (oldest first), as stored. */
function tickets(w: CatchupWorld, ws: ConnectedWorkspace): Promise<TicketView[]> {
  return storedTickets(w, ws.workspaceId, PRODUCT);
}

async function status(ws: ConnectedWorkspace) {
  const response = await api('GET', `/v1/workspaces/${ws.workspaceId}/intercom`, { token: ws.token });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** The admin pastes the Intercom app's client secret (the rotated one, once it is known). */
async function pasteClientSecret(ws: ConnectedWorkspace, clientSecret: string): Promise<void> {
  const response = await api('PUT', `/v1/workspaces/${ws.workspaceId}/intercom/webhook-secret`, { token: ws.token, body: { clientSecret } });
  expect(response.status, response.text).toBe(200);
  expect(response.body.webhookUrl).toBe(ws.webhookUrl);
}

/** How often the events worker logged each notification as processed, reading the log once. */
function processedCounts(notificationIds: string[]): Map<string, number> {
  const counts = new Map(notificationIds.map((id) => [id, 0]));
  for (const line of functionLogText().split('\n')) {
    if (!line.includes('"Webhook event processed"')) continue;
    const id = /"notificationId":"([^"]+)"/.exec(line)?.[1];
    if (id !== undefined && counts.has(id)) counts.set(id, counts.get(id)! + 1);
  }
  return counts;
}

async function waitUntilProcessed(notificationIds: string[], times = 1): Promise<void> {
  await waitFor(
    `${notificationIds.length} notifications processed ${times} time(s)`,
    async () => [...processedCounts(notificationIds).values()].every((count) => count >= times),
    90_000,
  );
}

const tableCount = (): number => (JSON.parse(process.env.TEST_TABLES ?? '[]') as string[]).length;

const queues = (): ProvisionedQueue[] => Object.values(JSON.parse(process.env.TEST_QUEUES ?? '{}') as Record<string, ProvisionedQueue>);

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
}

/** Waits until the queues with a consumer are empty, so nothing is in flight. */
async function settled(): Promise<void> {
  const consumed = queues().filter((queue) => !queue.logicalId.endsWith('DeadLetterQueue'));
  await waitFor('the queues to drain', async () => (await Promise.all(consumed.map((queue) => depth(queue.url)))).every((n) => n === 0), 90_000);
}

/**
 * Every message of every queue and dead-letter queue. One receive with visibility 0 shows only the
 * first few messages again and again, so each is received hidden for a moment, and every message
 * seen is made visible again at once: nothing is consumed.
 */
async function queuedMessages(): Promise<Message[]> {
  const seen: Message[] = [];
  for (const queue of queues()) {
    const held: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }),
      );
      if (Messages.length === 0) break;
      held.push(...Messages);
    }
    for (let start = 0; start < held.length; start += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: held.slice(start, start + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
    seen.push(...held);
  }
  return seen;
}

/**
 * What the catch-up logged: it runs in this process, where the logger is silent, so its lines are
 * caught here at DEBUG, as its Lambda would write them to its log group.
 */
const catchupLog: string[] = [];

/** One scheduled catch-up at `at`, its log lines kept in {@link catchupLog}. */
async function loggedCatchUp(w: CatchupWorld, at: number): ReturnType<typeof catchUp> {
  const level = logger.getLevelName();
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    catchupLog.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((arg): arg is () => void => typeof arg === 'function');
    done?.();
    return true;
  }) as typeof process.stdout.write;
  logger.setLogLevel('DEBUG');
  try {
    return await catchUp(w, at);
  } finally {
    logger.setLogLevel(level);
    process.stdout.write = write;
  }
}

interface Sighting {
  tables: string[];
  queues: string[];
  log: string[];
  /** What was searched: tables and their items' text, queued messages, log lines. */
  searched: { tables: number; storedKiB: number; messages: number; logLines: number; catchupLines: number };
}

/** Where each text is: every DynamoDB table (the idempotency table too), every queue and DLQ, the functions' logs. */
async function whereAre(texts: string[]): Promise<Sighting> {
  await settled();
  const stored = await allStoredText();
  const messages = await queuedMessages();
  const queued = messages.map((message) => message.Body ?? '').join('\n');
  const functions = functionLogText();
  const catchup = catchupLog.join('');
  const log = `${functions}\n${catchup}`;
  return {
    tables: texts.filter((text) => stored.includes(text)),
    queues: texts.filter((text) => queued.includes(text)),
    log: texts.filter((text) => log.includes(text)),
    searched: { tables: tableCount(), storedKiB: Math.round(stored.length / 1024), messages: messages.length, logLines: functions.split('\n').length, catchupLines: catchup.split('\n').length - 1 },
  };
}

interface Story {
  ws: ConnectedWorkspace;
  w: CatchupWorld;
  /** The simulated timeline's start (unix seconds). */
  t: number;
  trigger: string;
  early: string[];
  late: string[];
  /** The 5 texts that get redacted, and the ids of the parts that hold them. */
  secrets: string[];
  secretPartIds: string[];
  /** Phase A's deliveries (all sent), and the last delivery sequence before the outage. */
  delivered: DeliverySummary[];
  beforeOutage: number;
}

/** Moves the simulator's frozen clock forward to `at` (due retries fire on the way). */
async function clockAt(at: number): Promise<void> {
  const { now } = await simulator.getClock();
  if (at > now) await simulator.advanceClock(at - now);
}

/**
 * A connected workspace with feedback on, subscribed at the intake URL its status shows; 45
 * conversations (started an hour earlier, before the subscription, so without notifications),
 * 15 of them tagged with the trigger tag through delivered webhooks, 5 of those holding a text
 * that gets redacted later; then the catch-up's scheduled run. Returns once all of it is stored.
 */
async function before(run: string, touches: boolean, rules?: WebhookSubscriptionInput['rules']): Promise<Story> {
  const intercom = await simulator.createWorkspace({ tagTouchesUpdatedAt: touches, redactTouchesUpdatedAt: touches });
  const ws = await connectedWorkspace(intercom);
  const trigger = ws.tags['Feature request']!;
  await enableFeedback(ws, PRODUCT, [trigger]);
  const url = (await status(ws)).webhook.url as string;
  expect(url).toBe(ws.webhookUrl);

  // The simulated timeline starts at the next whole minute but one, after feedback was switched on.
  const t = Math.ceil(Date.now() / 60_000) * 60 + 60;
  await simulator.setClock(t);
  const w = catchupWorld([ws.workspaceId], t);
  const subscription = await simulator.setWebhookSubscription(intercom.appId, { url, topics: TOPICS, rules });
  expect(subscription.state).toBe('live');

  const secrets = Array.from({ length: REDACTED }, (_, k) => `my card is 4929-${run}-${k}0-7781`);
  const early: string[] = [];
  const late: string[] = [];
  for (let i = 0; i < EARLY + LATE; i += 1) {
    // An hour before the timeline: older than the catch-up's watermark and its overlap, so only a
    // change that moves `updated_at` brings a conversation into its first search.
    const at = t - 3600 + 10 * i;
    const k = i - REPLIED;
    const secretInFirst = k >= 3 && k < REDACTED;
    const secretInReply = k >= 0 && k < 3;
    const created = await simulator.createConversation(intercom.appId, {
      createdAt: at,
      body: `<p>${secretInFirst ? `Invoices, please: ${secrets[k]}` : `Idea ${run} number ${i}: per-project invoices.`}</p>`,
      parts: [{ kind: 'user_reply', body: `<p>${secretInReply ? `For billing, ${secrets[k]}` : `Details of idea ${i}.`}</p>`, createdAt: at + 1 }],
      notify: false,
    });
    (i < EARLY ? early : late).push(created.id);
  }
  const secretPartIds: string[] = [];
  for (const [k, secret] of secrets.entries()) {
    const conversation = await simulator.getConversation(intercom.appId, early[REPLIED + k]!);
    secretPartIds.push(k < 3 ? conversation.parts.find((part) => part.body?.includes(secret))!.id : conversation.sourceId);
  }

  // Phase A: the agents tag 15 conversations and every notification is delivered.
  const { deliveries: old } = await simulator.webhookDeliveries({ appId: intercom.appId });
  const start = old.at(-1)?.seq ?? 0;
  for (const [i, id] of early.entries()) {
    await clockAt(t + 60 + i);
    await simulator.tagConversation(intercom.appId, id, { tagId: trigger, appliedAt: t + 60 + i });
  }
  const { deliveries: delivered, counts } = await simulator.webhookDeliveries({ appId: intercom.appId, after: start });
  expect(counts).toMatchObject({ sent: EARLY, failed: 0, dropped: 0 });
  await waitUntilProcessed(delivered.map((delivery) => delivery.notificationId!));
  await settled();
  const made = await tickets(w, ws);
  expect(made.map((ticket) => ticket.conversationId).sort()).toEqual([...early].sort());
  const stored = await allStoredText();
  for (const secret of secrets) expect(stored, 'stored before its redaction').toContain(secret);

  // The scheduled catch-up: the webhooks brought everything, so it recovers nothing.
  await clockAt(t + PERIOD);
  expect((await loggedCatchUp(w, t + PERIOD)).outcomes).toEqual(['completed']);
  expect((await status(ws)).feedbackSync).toMatchObject({ recovered: 0, lastError: null });

  return { ws, w, t, trigger, early, late, secrets, secretPartIds, delivered, beforeOutage: delivered.at(-1)!.seq };
}

/**
 * During the outage the agents tag the 30 other conversations, reply to 10 ticketed ones and
 * redact the 5 texts (each a reply part or a first message already on its ticket).
 */
async function duringOutage(story: Story): Promise<{ replyIds: string[]; replies: string[]; rotated: string }> {
  const { ws, t } = story;
  const appId = ws.intercom.appId;
  const rotated = `rotated-${story.ws.workspaceId}`;
  await simulator.updateWorkspace(appId, { clientSecret: rotated });
  for (const [i, id] of story.late.entries()) {
    await clockAt(t + 360 + 2 * i);
    await simulator.tagConversation(appId, id, { tagId: story.trigger, appliedAt: t + 360 + 2 * i });
  }
  const replyIds: string[] = [];
  const replies: string[] = [];
  for (let i = 0; i < REPLIED; i += 1) {
    const at = t + 430 + 2 * i;
    await clockAt(at);
    const text = `And one more thing about idea ${i}.`;
    replyIds.push((await simulator.addPart(appId, story.early[i]!, { kind: 'user_reply', body: `<p>${text}</p>`, createdAt: at })).part.id);
    replies.push(text);
  }
  for (let k = 0; k < REDACTED; k += 1) {
    const at = t + 460 + 2 * k;
    await clockAt(at);
    const conversationId = story.early[REPLIED + k]!;
    await simulator.redact(appId, conversationId, k < 3 ? { partId: story.secretPartIds[k]!, redactedAt: at } : { source: true, redactedAt: at });
  }
  return { replyIds, replies, rotated };
}

/** The outcome both cases must reach: every ticket once, every reply, every redaction, and the texts nowhere. */
async function expectRecovered(story: Story, outage: { replyIds: string[]; replies: string[] }): Promise<TicketView[]> {
  const all = await tickets(story.w, story.ws);
  const conversations = all.map((ticket) => ticket.conversationId);
  expect(new Set(conversations).size, 'one ticket per conversation').toBe(conversations.length);
  expect(conversations.sort()).toEqual([...story.early, ...story.late].sort());
  const byConversation = new Map(all.map((ticket) => [ticket.conversationId, ticket]));
  for (const id of story.late) expect(byConversation.get(id)!.messages.map((m) => m.body)).toHaveLength(2);
  for (let i = 0; i < REPLIED; i += 1) {
    const messages = byConversation.get(story.early[i]!)!.messages;
    expect(messages.filter((m) => m.id === outage.replyIds[i])).toEqual([{ id: outage.replyIds[i], body: outage.replies[i], redacted: false }]);
    expect(messages).toHaveLength(3);
  }
  for (let k = 0; k < REDACTED; k += 1) {
    const ticket = byConversation.get(story.early[REPLIED + k]!)!;
    expect(ticket.messages.find((m) => m.id === story.secretPartIds[k])).toEqual({ id: story.secretPartIds[k], body: '', redacted: true });
    expect(JSON.stringify(ticket)).not.toContain('4929-');
  }
  const sighting = await whereAre(story.secrets);
  expect({ tables: sighting.tables, queues: sighting.queues, log: sighting.log }).toEqual({ tables: [], queues: [], log: [] });
  return all;
}

/** Sends the given logged notifications again, exactly as first built, and waits until the worker has applied each. */
async function lateWebhooks(story: Story, replays: DeliverySummary[], duplicates: DeliverySummary[]): Promise<number[]> {
  const statuses: number[] = [];
  const all = [...replays, ...duplicates];
  for (let start = 0; start < all.length; start += 8) {
    const answers = await Promise.all(all.slice(start, start + 8).map((delivery) => simulator.replayWebhookDelivery(delivery.id)));
    statuses.push(...answers.map((answer) => answer.status ?? 0));
  }
  await waitUntilProcessed(replays.map((delivery) => delivery.notificationId!));
  await waitUntilProcessed(duplicates.map((delivery) => delivery.notificationId!), 2);
  await settled();
  return statuses;
}

/** Phase A's deliveries whose item carried one of the texts (a tag on the part that holds it): late copies carry it again. */
async function deliveriesCarrying(story: Story): Promise<DeliverySummary[]> {
  const carrying: DeliverySummary[] = [];
  for (const delivery of story.delivered) {
    const { envelope } = await simulator.webhookDelivery(delivery.id);
    if (story.secrets.some((secret) => JSON.stringify(envelope).includes(secret))) carrying.push(delivery);
  }
  return carrying;
}

function byRoute(stats: Awaited<ReturnType<typeof simulator.getStats>>): string {
  return Object.entries(stats.byRoute)
    .map(([route, entry]) => `${entry.count} ${route}`)
    .join(', ');
}

afterEach(async () => {
  await simulator.releaseClock();
});

describe.each([
  { label: 'leave updated_at as it was', touches: false, run: '1' },
  { label: 'move updated_at', touches: true, run: '2' },
])('missed deliveries, when tagging and redaction $label', ({ label, touches, run }) => {
  it('both attempts of every notification fail for a stretch; one catch-up recovers everything, and the late webhooks change nothing', async () => {
    const story = await before(`${run}1`, touches);
    const { ws, w, t } = story;
    const appId = ws.intercom.appId;
    const outage = await duringOutage(story);
    // A minute after the last first attempt, every retry has fired, and failed.
    await clockAt(t + 560);
    const { deliveries: missed, counts } = await simulator.webhookDeliveries({ appId, after: story.beforeOutage });
    expect(missed).toHaveLength(LATE + REPLIED + REDACTED);
    expect(counts).toMatchObject({ failed: missed.length, sent: 0, retrying: 0, dropped: 0 });
    for (const delivery of missed) expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([401, 401]);
    expect((await simulator.getClock()).pendingRetries).toBe(0);

    // The admin pastes the new secret; the intake works again (a ping goes through), and the next
    // scheduled catch-up runs.
    await pasteClientSecret(ws, outage.rotated);
    expect((await simulator.pingWebhookSubscription(appId)).status).toBe('sent');
    await simulator.resetStats(appId);
    await clockAt(t + 2 * PERIOD);
    expect((await loggedCatchUp(w, t + 2 * PERIOD)).outcomes).toEqual(['completed']);
    const calls = await simulator.getStats(appId);
    const feedbackSync = (await status(ws)).feedbackSync;
    expect(feedbackSync).toMatchObject({ lastError: null, lastCatchupAt: new Date((t + 2 * PERIOD) * 1000).toISOString() });
    const recovered = await expectRecovered(story, outage);
    const sighting = await whereAre(story.secrets);

    // The late webhooks: the failed ones, and copies of the delivered ones that carried a text.
    const duplicates = await deliveriesCarrying(story);
    expect(duplicates.length).toBeGreaterThan(0);
    const answers = await lateWebhooks(story, missed, duplicates);
    expect(answers.every((answer) => answer === 200), `replay answers ${answers}`).toBe(true);
    expect(await tickets(w, ws)).toEqual(recovered);
    const after = await whereAre(story.secrets);
    expect({ tables: after.tables, queues: after.queues, log: after.log }).toEqual({ tables: [], queues: [], log: [] });
    expect((await status(ws)).feedbackSync.recovered).toBe(feedbackSync.recovered);

    const messages = recovered.reduce((sum, ticket) => sum + ticket.messages.length, 0);
    console.log(
      [
        `Missed deliveries (tagging and redaction ${label}):`,
        `  outage: ${missed.length} notifications failed (${LATE} tags, ${REPLIED} replies, ${REDACTED} redactions), ${missed.length * 2} attempts, all answered 401`,
        `  catch-up: ${calls.total} Intercom calls (${byRoute(calls)}), recovered ${feedbackSync.recovered}`,
        `  stored: ${recovered.length} tickets, ${messages} messages; ${REDACTED} texts found in none of ${sighting.searched.tables} tables (${sighting.searched.storedKiB} KiB of items), ${sighting.searched.messages} queued messages, ${sighting.searched.logLines} lines of the functions' log, ${sighting.searched.catchupLines} of the catch-up's`,
        `  late: ${missed.length} failed notifications and ${duplicates.length} copies of delivered ones replayed (all 200); tickets unchanged, texts found nowhere`,
      ].join('\n'),
    );
  }, 300_000);
});

describe('paused topic', () => {
  it('errors pause the subscription for 15 minutes and what happens meanwhile is dropped; after the pause one catch-up recovers everything', async () => {
    // A small threshold (more than 5 consecutive errors, where Intercom says 1,000) keeps it short.
    const story = await before('31', false, { pauseAfterErrors: PAUSE_AFTER });
    const { ws, w, t } = story;
    const appId = ws.intercom.appId;
    const outage = await duringOutage(story);
    await clockAt(t + 560);
    const paused = await simulator.getWebhookSubscription(appId);
    expect(paused.state).toBe('paused');
    // The sixth error paused it, at the sixth tag.
    expect(paused.pausedUntil).toBe(t + 360 + 2 * PAUSE_AFTER + 900);
    const { deliveries: missed, counts } = await simulator.webhookDeliveries({ appId, after: story.beforeOutage });
    expect(missed).toHaveLength(LATE + REPLIED + REDACTED);
    expect(counts).toMatchObject({ dropped: missed.length, sent: 0, failed: 0, retrying: 0 });
    for (const delivery of missed) expect(delivery.droppedBecause).toBe('paused');
    const attempted = missed.filter((delivery) => delivery.attempts.length > 0);
    expect(attempted.map((delivery) => delivery.attempts.map((attempt) => attempt.status))).toEqual(Array(PAUSE_AFTER + 1).fill([401]));

    // The admin pastes the new secret while the pause lasts; once it ends, the subscription is
    // live again, and the next scheduled catch-up runs.
    await pasteClientSecret(ws, outage.rotated);
    await clockAt(paused.pausedUntil! + 1);
    expect((await simulator.getWebhookSubscription(appId)).state).toBe('live');
    expect((await simulator.pingWebhookSubscription(appId)).status).toBe('sent');
    const next = t + Math.ceil((paused.pausedUntil! - t) / PERIOD) * PERIOD;
    await simulator.resetStats(appId);
    await clockAt(next);
    expect((await loggedCatchUp(w, next)).outcomes).toEqual(['completed']);
    const calls = await simulator.getStats(appId);
    const feedbackSync = (await status(ws)).feedbackSync;
    expect(feedbackSync).toMatchObject({ lastError: null });
    const recovered = await expectRecovered(story, outage);
    const sighting = await whereAre(story.secrets);

    // Intercom never sends what it dropped; the notifications it attempted, and copies of the
    // delivered ones that carried a text, arrive late and change nothing.
    const duplicates = await deliveriesCarrying(story);
    const answers = await lateWebhooks(story, attempted, duplicates);
    expect(answers.every((answer) => answer === 200), `replay answers ${answers}`).toBe(true);
    expect(await tickets(w, ws)).toEqual(recovered);
    const after = await whereAre(story.secrets);
    expect({ tables: after.tables, queues: after.queues, log: after.log }).toEqual({ tables: [], queues: [], log: [] });

    const messages = recovered.reduce((sum, ticket) => sum + ticket.messages.length, 0);
    console.log(
      [
        'Paused topic (tagging and redaction leave updated_at as it was):',
        `  outage: ${attempted.length} errors paused the subscription for ${paused.pausedUntil! - (t + 360 + 2 * PAUSE_AFTER)} s; ${missed.length} notifications dropped as paused (${attempted.length} after one attempt)`,
        `  catch-up ${next - paused.pausedUntil!} s after the pause: ${calls.total} Intercom calls (${byRoute(calls)}), recovered ${feedbackSync.recovered}`,
        `  stored: ${recovered.length} tickets, ${messages} messages; ${REDACTED} texts found in none of ${sighting.searched.tables} tables (${sighting.searched.storedKiB} KiB of items), ${sighting.searched.messages} queued messages, ${sighting.searched.logLines} lines of the functions' log, ${sighting.searched.catchupLines} of the catch-up's`,
        `  late: ${attempted.length} attempted notifications and ${duplicates.length} copies of delivered ones replayed (all 200); tickets unchanged, texts found nowhere`,
      ].join('\n'),
    );
  }, 300_000);
});
