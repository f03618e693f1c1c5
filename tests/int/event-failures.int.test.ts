import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { signNotification, type SignedNotification } from '../../dev/intercom-simulator';
import { api } from '../support/api';
import { functionLogText } from '../support/evidence';
import {
  connectedWorkspace,
  deliver,
  enableFeedback,
  inbox,
  simulator,
  ticket,
  waitUntilProcessed,
  type ConnectedWorkspace,
} from '../support/feedback-world';
import { sqs, stack } from '../support/local-stack';

/*
 * Failures sorted by kind: a permanent one (a conversation deleted in Intercom, a refused token,
 * a malformed item) is acknowledged without a retry, so nothing about it reaches the dead-letter
 * queue; only transient failures are retried (tests/int/events-queue.int.test.ts).
 */

async function taggedConversation(ws: ConnectedWorkspace, tagName: string) {
  const conversation = await simulator.createConversation(ws.intercom.appId, {
    body: '<p>Could the calendar export to iCal?</p>',
    parts: [{ kind: 'admin_reply', body: '<p>Passing it on.</p>' }],
  });
  const tag = await simulator.tagConversation(ws.intercom.appId, conversation.id, { tagId: ws.tags[tagName]! });
  return { conversation, tag };
}

/** Sends a notification built earlier, as Intercom delivers one it built before the change that followed. */
async function send(ws: ConnectedWorkspace, built: SignedNotification): Promise<void> {
  const response = await fetch(ws.webhookUrl, { method: 'POST', headers: built.headers, body: built.body });
  expect(response.status, await response.text()).toBe(200);
}

/** The outcomes the worker logged for a notification. */
function outcomes(notificationId: string): string[] {
  return functionLogText()
    .split('\n')
    .filter((line) => line.includes('"Webhook event processed"') && line.includes(`"notificationId":"${notificationId}"`))
    .map((line) => /"outcome":"([^"]+)"/.exec(line)?.[1] ?? '');
}

/** Dead-lettered messages that mention any of the texts; read without hiding them from others. */
async function deadLettersMentioning(texts: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (let round = 0; round < 5; round += 1) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queue('EventsDeadLetterQueue').url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }),
    );
    for (const message of Messages) if (texts.some((text) => message.Body?.includes(text))) found.add(message.Body!);
  }
  return [...found];
}

/** The metric lines (CloudWatch EMF) counting a dropped event for the reason. */
function droppedMetrics(reason: string): number {
  return functionLogText()
    .split('\n')
    .filter((line) => line.includes('"DroppedEvents"') && line.includes(`"reason":"${reason}"`)).length;
}

describe('permanent failures of webhook events', () => {
  it('marks a conversation deleted in Intercom on its tickets when a reply, tag or redaction finds it gone, without a retry', async () => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    await enableFeedback(ws, 'prod_b', [ws.tags['Bug']!]);
    const { conversation, tag } = await taggedConversation(ws, 'Feature request');
    const first = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [tag.partId] });
    await waitUntilProcessed([first.envelope.id!]);
    const [created] = await inbox(ws, 'prod_a');
    expect(created?.intercom).toMatchObject({ conversationId: conversation.id, deletedAt: null });
    const answer = (await ticket(ws, 'prod_a', created!.id)).messages.find((m: { body: string }) => m.body === 'Passing it on.');
    expect(answer).toBeDefined();

    // Answered, tagged for a second product and a part redacted, then deleted before the notifications are applied.
    const { part } = await simulator.addPart(ws.intercom.appId, conversation.id, { kind: 'user_reply', body: '<p>Any news?</p>' });
    const replied = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'conversation.user.replied', conversationId: conversation.id, partIds: [part.id] });
    const bug = await simulator.tagConversation(ws.intercom.appId, conversation.id, { tagId: ws.tags['Bug']! });
    const tagged = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: bug.id, partIds: [bug.partId] });
    await simulator.redact(ws.intercom.appId, conversation.id, { partId: answer.id });
    const redacted = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'conversation_part.redacted', conversationId: conversation.id, partIds: [answer.id] });
    await simulator.deleteConversation(ws.intercom.appId, conversation.id);

    await send(ws, replied);
    await waitUntilProcessed([replied.envelope.id!]);
    expect(outcomes(replied.envelope.id!)).toEqual(['handled']);
    const marked = await ticket(ws, 'prod_a', created!.id);
    expect(marked.intercom.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The reply's text went with the conversation: the queue never held it.
    expect(marked.messages.map((m: { body: string }) => m.body)).not.toContain('Any news?');

    await send(ws, tagged);
    await send(ws, redacted);
    await waitUntilProcessed([tagged.envelope.id!, redacted.envelope.id!]);
    expect(outcomes(tagged.envelope.id!)).toEqual(['handled']);
    expect(outcomes(redacted.envelope.id!)).toEqual(['handled']);
    expect(await inbox(ws, 'prod_b')).toEqual([]);
    const after = await ticket(ws, 'prod_a', created!.id);
    expect(after.intercom.deletedAt).toBe(marked.intercom.deletedAt);
    // A redaction needs no Intercom call, so it applies to a deleted conversation's ticket too.
    expect(after.messages.find((m: { id: string }) => m.id === answer.id)).toMatchObject({ body: '', redacted: true });
    expect(await deadLettersMentioning([tagged.envelope.id!, replied.envelope.id!, redacted.envelope.id!])).toEqual([]);
  });

  it('marks the connection needs_reauth once on a refused token, and no later event calls Intercom', async () => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const one = await taggedConversation(ws, 'Feature request');
    const two = await taggedConversation(ws, 'Feature request');
    await simulator.revokeToken(ws.intercom.appId, ws.intercom.accessToken);

    const refused = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: one.conversation.id, tagId: one.tag.id, partIds: [one.tag.partId] });
    await waitUntilProcessed([refused.envelope.id!]);
    expect(outcomes(refused.envelope.id!)).toEqual(['dropped:token_refused']);
    const status = await api('GET', `/v1/workspaces/${ws.workspaceId}/intercom`, { token: ws.token });
    expect(status.body.status).toBe('needs_reauth');

    await simulator.resetStats(ws.intercom.appId);
    const skipped = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: two.conversation.id, tagId: two.tag.id, partIds: [two.tag.partId] });
    await waitUntilProcessed([skipped.envelope.id!]);
    expect(outcomes(skipped.envelope.id!)).toEqual(['dropped:needs_reauth']);
    const calls = (await simulator.getStats(ws.intercom.appId)).recent.filter((r) => r.path.startsWith('/conversations/'));
    expect(calls).toEqual([]);
    expect(await inbox(ws, 'prod_a')).toEqual([]);
    expect(await deadLettersMentioning([refused.envelope.id!, skipped.envelope.id!])).toEqual([]);
    expect(droppedMetrics('needs_reauth')).toBeGreaterThanOrEqual(1);
  });

  it('drops a malformed item at the intake with its notification id in the log and a metric, queueing nothing', async () => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const { conversation, tag } = await taggedConversation(ws, 'Feature request');
    const built = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [tag.partId] });
    // A conversation item without its id: nothing a retry could read differently.
    const { id: _id, ...item } = built.envelope.data.item as Record<string, unknown>;
    const malformed = signNotification({ ...built.envelope, data: { ...built.envelope.data, item } }, ws.intercom.clientSecret);
    const response = await fetch(ws.webhookUrl, { method: 'POST', headers: malformed.headers, body: malformed.body });
    // Acknowledged: an error would only make Intercom send it again, and count towards pausing the topic.
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, ignored: true });

    const droppedLines = () =>
      functionLogText()
        .split('\n')
        .filter((line) => line.includes('"Webhook event dropped') && line.includes(`"notificationId":"${malformed.envelope.id}"`));
    await waitFor('the intake to log the dropped notification', async () => droppedLines().length > 0, 10_000);
    const dropped = droppedLines();
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toContain('"reason":"malformed"');
    expect(droppedMetrics('malformed')).toBeGreaterThanOrEqual(1);
    expect(outcomes(malformed.envelope.id!)).toEqual([]);
    expect(await deadLettersMentioning([malformed.envelope.id!])).toEqual([]);
  });

  it('drops a queued message that is not a notification, logging its notification id', async () => {
    const marker = `notif_malformed_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const body = JSON.stringify({ workspaceId: 'ws_malformed', notification: { id: marker, topic: 'conversation.user.replied' } });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: stack.queue('EventsQueue').url, MessageBody: body }));
    const dropLine = () =>
      functionLogText()
        .split('\n')
        .find((line) => line.includes('"Webhook event dropped') && line.includes(`"notificationId":"${marker}"`));
    await waitFor('the malformed message to be dropped', async () => dropLine() !== undefined, 30_000);
    expect(dropLine()).toContain('"reason":"malformed"');
    expect(dropLine()).toContain(`"messageId":"${sent.MessageId}"`);
    expect(await deadLettersMentioning([marker])).toEqual([]);
  });
});
