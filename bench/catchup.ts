import { startIntercomSimulator } from '../dev/intercom-simulator';
import { regionUrls } from '../dev/intercom-simulator/regions';
import type { CatchupMessage, CatchupQueue, QueuedCatchupMessage } from '../lib/feedback/catchup-queue';

/*
 * Child process of `npm run bench`: one feedback catch-up of a workspace with 50,000 older
 * conversations carrying the trigger tag (tagged before feedback was switched on, so they never
 * count), 10,000 conversations updated in the window, 100 of them newly tagged. The catch-up's use
 * cases run here, as the worker runs them, on the benchmark's DynamoDB Local and Secrets Manager
 * stand-in; the Intercom simulator runs in this process too, so that seeding 60,000 conversations
 * takes seconds (it shares the CPU with the code measured: the time is an upper bound). Tagging
 * leaves `updated_at` alone, as Intercom's documentation allows. A first catch-up (which sweeps
 * every tagged conversation, as any first run does) sets the baseline; the second is measured.
 * Target: Intercom calls <= 1.1 x (67 + 100), one page per 150 updated conversations plus one
 * fetch per conversation that needs work.
 */

const OLDER_TAGGED = Number(process.env.BENCH_CATCHUP_TAGGED ?? 50_000);
const UPDATED = Number(process.env.BENCH_CATCHUP_UPDATED ?? 10_000);
const NEWLY_TAGGED = Number(process.env.BENCH_CATCHUP_NEW ?? 100);

const ENABLED_AT = '2026-03-02T09:00:00.000Z';
const E = Date.parse(ENABLED_AT) / 1000;
const HOUR = 3_600;

class MemoryQueue implements CatchupQueue {
  readonly messages: QueuedCatchupMessage[] = [];
  async send(messages: QueuedCatchupMessage[]): Promise<void> {
    this.messages.push(...messages);
  }
  take(): CatchupMessage | undefined {
    return this.messages.shift()?.message;
  }
}

async function main(): Promise<void> {
  const simulator = await startIntercomSimulator({ port: 0 });
  Object.assign(process.env, {
    INTERCOM_API_BASE_URL: simulator.url,
    INTERCOM_API_BASE_URL_EU: regionUrls(simulator.url).EU,
    INTERCOM_API_BASE_URL_AU: regionUrls(simulator.url).AU,
  });
  // Imported once the environment points at this simulator: the service reads it when first loaded.
  const { dependencies } = await import('../lib/platform/dependencies');
  const { connectWithToken } = await import('../lib/connect/connect-token');
  const { processCatchup, scheduleFeedbackCatchup } = await import('../lib/feedback/catchup');
  try {
    const created = await simulator.client.createWorkspace({ timezone: 'Europe/Berlin' });
    const intercom = simulator.state.workspace(created.appId);
    const [trigger] = intercom.addTags({ names: ['Feature request'] });
    intercom.seedContacts({ count: 1_000, seed: 7, startAt: E - 400 * 24 * HOUR, endAt: E - 40 * 24 * HOUR });
    // Older conversations: the tagged ones, and those that get the trigger tag in the window.
    const older = intercom.seedConversations({ count: OLDER_TAGGED + NEWLY_TAGGED, seed: 8, partsPerConversation: 2, startAt: E - 30 * 24 * HOUR, endAt: E - 2 * 24 * HOUR });
    const tagged = older.slice(0, OLDER_TAGGED);
    const fresh = older.slice(OLDER_TAGGED);
    for (const conversation of tagged) intercom.tagConversation(conversation.id, { tagId: trigger!.id, appliedAt: E - HOUR });

    const queue = new MemoryQueue();
    const clock = { now: E * 1000 };
    const shared = dependencies();
    const base = { ...shared, catchupQueue: queue, clock: () => new Date(clock.now) };
    const workspaceId = 'bench_catchup';
    const deps = {
      ...base,
      feedback: Object.assign(Object.create(shared.feedback) as typeof shared.feedback, {
        listWorkspacesWithFeedback: async () => [workspaceId],
      }),
    };
    await connectWithToken(deps, { workspaceId, accessToken: created.accessToken, admin: { sub: 'bench', workspaceIds: [workspaceId] } });
    await deps.feedback.putProductFeedback(workspaceId, { productId: 'bench', enabled: true, triggerTagIds: [trigger!.id], enabledAt: ENABLED_AT, productName: 'bench' });
    const connection = (await deps.connections.get(workspaceId))!;
    await deps.feedbackCatchup.begin(workspaceId, connection.connectionId, E);

    const catchUp = async (at: number) => {
      clock.now = at * 1000;
      await scheduleFeedbackCatchup(deps);
      const outcomes: string[] = [];
      for (let message = queue.take(); message; message = queue.take()) outcomes.push(await processCatchup(deps, message, new Date(clock.now + 3_600_000)));
      return outcomes;
    };

    const setupStarted = performance.now();
    const setup = await catchUp(E + HOUR);
    const setupMs = performance.now() - setupStarted;
    const setupCalls = intercom.stats.snapshot().total;

    // The window: 100 older conversations get the trigger tag and a reply, 9,900 tagged ones a reply.
    const windowStart = E + HOUR;
    for (const [index, conversation] of fresh.entries()) {
      intercom.tagConversation(conversation.id, { tagId: trigger!.id, appliedAt: windowStart + 60 + index });
      intercom.addPart(conversation.id, { kind: 'user_reply', body: '<p>Any news on this?</p>', createdAt: windowStart + 120 + index });
    }
    for (const [index, conversation] of tagged.slice(0, UPDATED - NEWLY_TAGGED).entries()) {
      intercom.addPart(conversation.id, { kind: 'admin_reply', body: '<p>Following up.</p>', createdAt: windowStart + 60 + (index % 240) });
    }
    intercom.stats.reset();

    const started = performance.now();
    const outcomes = await catchUp(windowStart + 5 * 60);
    const ms = performance.now() - started;
    const stats = intercom.stats.snapshot();
    let ticketsCreated = 0;
    let cursor: string | undefined;
    do {
      const page = await deps.feedback.listInbox(workspaceId, 'bench', 100, cursor);
      ticketsCreated += page.tickets.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const state = await deps.feedbackCatchup.get(workspaceId);
    process.send!({
      olderTagged: OLDER_TAGGED,
      updated: UPDATED,
      newlyTagged: NEWLY_TAGGED,
      setup: { outcomes: setup, calls: setupCalls, ms: Math.round(setupMs) },
      outcomes,
      calls: stats.total,
      byRoute: Object.fromEntries(Object.entries(stats.byRoute).map(([route, entry]) => [route, entry.count])),
      ms: Math.round(ms),
      ticketsCreated,
      recovered: state?.recovered ?? 0,
    });
  } finally {
    await simulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
