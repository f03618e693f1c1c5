import { describe, expect, it } from 'vitest';
import { toQueuedEvent, type QueuedEvent } from '../../lib/events/queued-event';
import { appendConversationParts, createTicketsFromTag } from '../../lib/feedback/feedback-events';
import { ticketIdFor } from '../../lib/feedback/ticket';
import { IntercomRateLimitError } from '../../lib/intercom/errors';
import { notificationSchema } from '../../lib/intercom/notification.schema';
import type { Dependencies } from '../../lib/platform/dependencies';
import { FeedbackStore } from '../../lib/store/feedback-store';
import { connectedWorkspace, enableFeedback, simulator, type ConnectedWorkspace } from '../support/feedback-world';
import { inProcessDependencies } from '../support/in-process';

/*
 * The feedback handlers run here, in the test process, on the local stack's DynamoDB, Secrets
 * Manager and Intercom simulator, so a test can interleave two of them at an exact point.
 */

function dependencies(replace: (deps: Dependencies) => Partial<Dependencies> = () => ({})): Dependencies {
  return inProcessDependencies((deps) => {
    const withFeedback = { ...deps, feedback: new FeedbackStore(deps.table) };
    return { feedback: withFeedback.feedback, ...replace(withFeedback) };
  });
}

/** A notification as the intake would queue it. */
async function queued(ws: ConnectedWorkspace, input: Omit<Parameters<typeof simulator.buildWebhook>[0], 'appId'>): Promise<QueuedEvent> {
  const built = await simulator.buildWebhook({ appId: ws.intercom.appId, ...input });
  return toQueuedEvent(ws.workspaceId, new Date(built.envelope.created_at * 1000), notificationSchema().parse(built.envelope));
}

async function conversationFetches(ws: ConnectedWorkspace, conversationId: string): Promise<number> {
  const { recent } = await simulator.getStats(ws.intercom.appId);
  return recent.filter((request) => request.method === 'GET' && request.path.startsWith(`/conversations/${conversationId}`)).length;
}

describe('feedback events, in process', () => {
  it('keeps a reply handled between the tag handler’s conversation fetch and its ticket write', async () => {
    const ws = await connectedWorkspace();
    const feature = ws.tags['Feature request']!;
    await enableFeedback(ws, 'prod_a', [feature]);
    const appId = ws.intercom.appId;
    const conversation = await simulator.createConversation(appId, { body: '<p>Could exports include archived projects?</p>' });
    const tag = await simulator.tagConversation(appId, conversation.id, { tagId: feature });
    const tagEvent = await queued(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [tag.partId] });

    let replyId: string | undefined;
    let replyHandledBeforeWrite = false;
    const deps = dependencies((base) => ({
      feedback: Object.assign(Object.create(base.feedback) as FeedbackStore, {
        // The tag handler has read the conversation and is about to write the ticket: a customer
        // replies now, and the reply's notification is handled to the end before the write.
        createTicket: async (...args: Parameters<FeedbackStore['createTicket']>) => {
          if (!replyId) {
            const reply = await simulator.addPart(appId, conversation.id, { kind: 'user_reply', body: '<p>It would spare us a spreadsheet.</p>' });
            replyId = reply.part.id;
            const replyEvent = await queued(ws, { topic: 'conversation.user.replied', conversationId: conversation.id, partIds: [replyId] });
            await appendConversationParts(base, replyEvent);
            replyHandledBeforeWrite = (await base.feedback.conversationState(ws.workspaceId, conversation.id)).tickets.length === 0;
          }
          return base.feedback.createTicket(...args);
        },
      }),
    }));

    await simulator.resetStats(appId);
    await createTicketsFromTag(deps, tagEvent);

    expect(replyHandledBeforeWrite).toBe(true);
    const stored = await deps.feedback.getTicket(ticketIdFor(ws.workspaceId, 'prod_a', conversation.id), { consistent: true });
    expect(stored!.messages.find((message) => message.id === replyId)).toMatchObject({ body: 'It would spare us a spreadsheet.' });
    // The fetch that made the ticket and the one after its write; the reply, finding no ticket, made none.
    expect(await conversationFetches(ws, conversation.id)).toBe(2);
  });

  it('reads no conversation for a reply to a conversation without tickets', async () => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const conversation = await simulator.createConversation(ws.intercom.appId, { body: '<p>Where is my invoice?</p>' });
    const reply = await simulator.addPart(ws.intercom.appId, conversation.id, { kind: 'admin_reply', body: '<p>Attached.</p>' });
    const event = await queued(ws, { topic: 'conversation.admin.replied', conversationId: conversation.id, partIds: [reply.part.id] });
    await simulator.resetStats(ws.intercom.appId);
    await appendConversationParts(dependencies(), event);
    expect(await conversationFetches(ws, conversation.id)).toBe(0);
  });

  it('spends the workspace’s rate budget, its reserve included, and calls nothing once it is spent', async () => {
    const ws = await connectedWorkspace();
    const feature = ws.tags['Feature request']!;
    await enableFeedback(ws, 'prod_a', [feature]);
    const appId = ws.intercom.appId;
    const conversation = await simulator.createConversation(appId, { body: '<p>Dark mode, please.</p>' });
    const tag = await simulator.tagConversation(appId, conversation.id, { tagId: feature });
    const at = new Date(tag.appliedAt * 1000 + 1000);
    const deps = dependencies(() => ({ clock: () => at }));
    const nowSeconds = Math.floor(at.getTime() / 1000);
    const caller = { workspaceId: ws.workspaceId, appId };
    await createTicketsFromTag(deps, await queued(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [tag.partId] }));

    const reply = await simulator.addPart(appId, conversation.id, { kind: 'user_reply', body: '<p>Any news?</p>' });
    const replied = await queued(ws, { topic: 'conversation.user.replied', conversationId: conversation.id, partIds: [reply.part.id] });

    // Spent: no call is made, and the record is left for SQS to hand over after the window.
    await deps.contactSync.recordIntercomRateLimit(caller, { remaining: 0, resetAt: nowSeconds + 3600 }, at);
    await simulator.resetStats(appId);
    await expect(appendConversationParts(deps, replied)).rejects.toBeInstanceOf(IntercomRateLimitError);
    expect(await conversationFetches(ws, conversation.id)).toBe(0);

    // Below the backfill's reserve (10 of 100) but not spent: webhook handling may use it.
    await deps.contactSync.recordIntercomRateLimit(caller, { remaining: 3, resetAt: nowSeconds + 7200, limit: 100, reserve: 10 }, at);
    await appendConversationParts(deps, replied);
    expect(await conversationFetches(ws, conversation.id)).toBe(1);
    const stored = await deps.feedback.getTicket(ticketIdFor(ws.workspaceId, 'prod_a', conversation.id), { consistent: true });
    expect(stored!.messages.map((message) => message.body)).toContain('Any news?');
  });
});
