import { randomUUID } from 'node:crypto';
import { isLive, type Connection } from '../connect/connection';
import { callWithinBudget, type BudgetedCall } from '../contacts/rate-budget';
import { EVENTS_INTERCOM_TIMING, STORE_ALLOWANCE_MS } from '../events/record-budget';
import { worstCaseCallMs, type IntercomClient, type IntercomResponse } from '../intercom/client';
import type { IntercomConversation, IntercomConversationList } from '../intercom/conversation.schema';
import { IntercomError, IntercomNotFoundError, IntercomPermissionError, IntercomTokenInvalidError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { logger } from '../platform/logger';
import type { ConversationRecord } from '../store/catchup-store';
import {
  conversationWork,
  SEARCH_OVERLAP_SECONDS,
  sweepFingerprint,
  sweepReason,
  sweepSearch,
  tagCountSearch,
  triggerTagsOf,
  triggerTagsOn,
  updatedSearch,
} from './catchup-plan';
import type { CatchupMessage, QueuedCatchupMessage } from './catchup-queue';
import { catchupLeaseIsLive, catchupLeaseUntil, type TagBaseline } from './catchup-state';
import { syncConversation } from './conversation-sync';
import type { ProductFeedback } from './product-feedback';

/*
 * The scheduled feedback catch-up (README, "Nothing is lost"). The schedule only queues: one
 * message per workspace, each run holding the workspace's lease, so a thousand workspaces cost
 * the scheduled Lambda a few DynamoDB calls each and run side by side on the queue's workers,
 * each within the workspace's own Intercom rate budget. A run pages through
 * 1. `updated`: conversations updated since the watermark (less an overlap for the search index's lag);
 * 2. `counts`: per trigger tag, Intercom's count of conversations carrying it against the service's;
 * 3. `sweep` (only when the counts disagree, the triggers changed, or daily): every conversation carrying a trigger tag;
 * 4. `verify`: re-reading ticketed conversations with recent activity (redactions need not move `updated_at`),
 * and moves the watermark to its start only once all of it is done: a run that dies redoes, never skips.
 */

export type CatchupDeps = Pick<
  Dependencies,
  'feedback' | 'feedbackCatchup' | 'catchupQueue' | 'connections' | 'contactSync' | 'intercom' | 'secrets' | 'config' | 'clock' | 'writeBacks' | 'writeBackQueue'
>;

/** Ticketed conversations with activity in the last day that a run re-reads, at most. */
export const HOT_PER_RUN = 20;
/** Ticketed conversations not re-read for a day (activity up to 30 days old) that a run re-reads, at most. */
export const DAILY_PER_RUN = 20;
/** Conversations of a page fetched and synced at once. */
const CONVERSATIONS_IN_FLIGHT = 4;
/**
 * A run starts a step (a search page, or a few conversations' fetch and sync side by side) only
 * with this much of the invocation left: one Intercom call's worst case with the worker's timing
 * (one refused attempt, then a whole call), plus the store's allowance.
 */
export const CATCHUP_STEP_BUDGET_MS = STORE_ALLOWANCE_MS + EVENTS_INTERCOM_TIMING.timeoutMs + worstCaseCallMs(EVENTS_INTERCOM_TIMING);
/** The first run of a connection reads back at most this far, whenever it was connected. */
export const FIRST_RUN_LOOKBACK_SECONDS = 3_600;
/** Workspaces the schedule prepares at once. */
const SCHEDULE_IN_FLIGHT = 16;
const DAY_SECONDS = 86_400;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * Where a connection's catch-up starts: when it connected or its first product switched feedback
 * on, whichever is later, and no further back than {@link FIRST_RUN_LOOKBACK_SECONDS}.
 */
export function firstWatermark(connection: Pick<Connection, 'connectedAt'>, products: ProductFeedback[], nowSeconds: number): number {
  const enabledAt = products
    .filter((product) => product.enabled && product.enabledAt !== null)
    .map((product) => Math.floor(Date.parse(product.enabledAt!) / 1000));
  const feedbackOn = enabledAt.length > 0 ? Math.min(...enabledAt) : nowSeconds;
  return Math.min(nowSeconds, Math.max(Math.floor(Date.parse(connection.connectedAt) / 1000), feedbackOn, nowSeconds - FIRST_RUN_LOOKBACK_SECONDS));
}

export interface ScheduleSummary {
  workspaces: number;
  queued: number;
  /** A run of the workspace still holds its lease. */
  busy: number;
  /** Not connected, waiting for a new authorisation, or feedback off. */
  skipped: number;
}

/**
 * The scheduled step: for every workspace with a product whose feedback is on (the sparse gsi1
 * entries, no scan) that is connected with feedback on, takes the workspace's lease for a new run
 * and queues it. A workspace whose run still holds its lease is skipped, so runs never pile up;
 * one whose token Intercom refused (`needs_reauth`) waits for the admin.
 */
export async function scheduleFeedbackCatchup(deps: CatchupDeps): Promise<ScheduleSummary> {
  const nowSeconds = seconds(deps.clock());
  const workspaceIds = await deps.feedback.listWorkspacesWithFeedback();
  const queued: QueuedCatchupMessage[] = [];
  let busy = 0;
  let skipped = 0;
  const pending = [...workspaceIds];
  const worker = async () => {
    for (let workspaceId = pending.shift(); workspaceId; workspaceId = pending.shift()) {
      const outcome = await prepareRun(deps, workspaceId, nowSeconds);
      if (outcome === 'busy') busy += 1;
      else if (outcome === 'skipped') skipped += 1;
      else queued.push({ message: outcome });
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCHEDULE_IN_FLIGHT, pending.length) }, worker));
  await deps.catchupQueue.send(queued);
  return { workspaces: workspaceIds.length, queued: queued.length, busy, skipped };
}

async function prepareRun(deps: CatchupDeps, workspaceId: string, nowSeconds: number): Promise<CatchupMessage | 'busy' | 'skipped'> {
  const connection = await deps.connections.get(workspaceId);
  if (!connection || connection.status !== 'connected' || !connection.settings.syncFeedback) return 'skipped';
  let state = await deps.feedbackCatchup.get(workspaceId);
  if (!state || state.connectionId !== connection.connectionId) {
    const products = await deps.feedback.listProductFeedback(workspaceId);
    await deps.feedbackCatchup.begin(workspaceId, connection.connectionId, firstWatermark(connection, products, nowSeconds));
    state = await deps.feedbackCatchup.get(workspaceId);
    if (!state) return 'skipped';
  }
  if (catchupLeaseIsLive(state.run, nowSeconds)) return 'busy';
  const runId = randomUUID();
  if (!(await deps.feedbackCatchup.takeLease(workspaceId, { runId, leaseUntil: catchupLeaseUntil(nowSeconds) }, nowSeconds))) return 'busy';
  return {
    kind: 'feedback-catchup',
    workspaceId,
    runId,
    startedAt: nowSeconds,
    since: state.watermark,
    phase: 'updated',
    cursor: null,
    after: null,
    sweep: null,
    verify: null,
  };
}

export type CatchupOutcome = 'completed' | 'continued' | 'deferred' | 'skipped' | 'stale' | 'failed';

/**
 * Runs (part of) one workspace's catch-up, within an invocation that ends by `deadline`. A message
 * of a run that no longer holds the lease changes nothing. Intercom's refusals and failures end
 * the run with `lastError` and release the lease, so the next scheduled run tries again from the
 * unchanged watermark; anything else (DynamoDB, SQS) is thrown, and SQS hands the message over again.
 */
export async function processCatchup(deps: CatchupDeps, message: CatchupMessage, deadline: Date): Promise<CatchupOutcome> {
  const { workspaceId, runId } = message;
  const state = await deps.feedbackCatchup.get(workspaceId);
  if (state?.run?.runId !== runId || !(await renew(deps, message))) {
    logger.info('Stale feedback catch-up message dropped', { workspaceId });
    return 'stale';
  }
  const connection = await deps.connections.get(workspaceId);
  if (!isLive(connection) || connection.status !== 'connected' || !connection.settings.syncFeedback || connection.connectionId !== state.connectionId) {
    await deps.feedbackCatchup.release(workspaceId, runId);
    logger.info('Feedback catch-up skipped: not connected, or feedback off', { workspaceId });
    return 'skipped';
  }
  const products = await deps.feedback.listProductFeedback(workspaceId);
  const run = new CatchupRun(deps, connection, products, state.countsFrom, message, deadline);
  try {
    const outcome = await run.proceed();
    logger.info('Feedback catch-up step done', { workspaceId, outcome, phase: run.message.phase, intercomCalls: run.calls, recovered: run.recovered });
    return outcome;
  } catch (error) {
    const reason = failureReason(error);
    if (reason === undefined) throw error;
    logger.warn('Feedback catch-up failed; the next run tries again', { workspaceId, reason, intercomCalls: run.calls });
    await deps.feedbackCatchup.fail(workspaceId, { runId, error: reason });
    return 'failed';
  }
}

/** What `lastError` says about an Intercom failure; undefined for failures SQS should retry. */
function failureReason(error: unknown): string | undefined {
  if (error instanceof IntercomTokenInvalidError) return 'Intercom refused the access token; connect Intercom again.';
  if (error instanceof IntercomPermissionError) return `The Intercom app lacks a permission the catch-up needs (Read conversations): ${error.message}`;
  if (error instanceof IntercomError) return error.message;
  if (error instanceof ConflictError) return error.message;
  return undefined;
}

function renew(deps: CatchupDeps, message: CatchupMessage, delaySeconds = 0): Promise<boolean> {
  const now = seconds(deps.clock());
  return deps.feedbackCatchup.renewLease(message.workspaceId, { runId: message.runId, leaseUntil: catchupLeaseUntil(now, delaySeconds) }, now);
}

/** How a phase ended: move on to the next phase, or stop this invocation with that outcome. */
type Step = 'next' | 'continued' | 'deferred' | 'stale';

type Handled = { kind: 'done' } | { kind: 'deferred'; delaySeconds: number };

type SearchPage = IntercomConversationList;

/** One invocation's share of a run: its position is `message`, queued again when the invocation stops early. */
class CatchupRun {
  calls = 0;
  recovered = 0;
  private readonly triggerSet: Set<string>;
  private readonly productIds: string[];
  private readonly caller: { workspaceId: string; appId: string };

  constructor(
    private readonly deps: CatchupDeps,
    private readonly connection: Connection,
    private readonly products: ProductFeedback[],
    private readonly countsFrom: number,
    public message: CatchupMessage,
    private readonly deadline: Date,
  ) {
    this.triggerSet = new Set(triggerTagsOf(products));
    this.productIds = products.map((product) => product.productId);
    this.caller = { workspaceId: connection.workspaceId, appId: connection.intercom.appId };
  }

  private get workspaceId(): string {
    return this.connection.workspaceId;
  }

  async proceed(): Promise<CatchupOutcome> {
    for (;;) {
      const step = await this.phase();
      if (step !== 'next') return step;
      if (this.message.phase === 'verify' && this.message.verify?.length === 0) return this.complete();
    }
  }

  private phase(): Promise<Step> {
    switch (this.message.phase) {
      case 'updated':
        return this.pages(
          (cursor) => updatedSearch(this.message.since, cursor),
          (conversation) => conversation.updated_at ?? 0,
          () => ({ phase: 'counts' }),
        );
      case 'counts':
        return this.counts();
      case 'sweep': {
        const sweep = this.message.sweep!;
        return this.pages(
          (cursor) => sweepSearch(Object.keys(sweep.counts), cursor),
          (conversation) => conversation.created_at,
          () => ({ phase: 'verify', sweep: null }),
          () => this.recordSweep(),
        );
      }
      case 'verify':
        return this.verify();
    }
  }

  private async complete(): Promise<CatchupOutcome> {
    const done = await this.deps.feedbackCatchup.complete(this.workspaceId, {
      runId: this.message.runId,
      watermark: this.message.startedAt,
      at: this.deps.clock(),
    });
    if (!done) return 'stale';
    logger.info('Feedback catch-up completed', { workspaceId: this.workspaceId, watermark: this.message.startedAt });
    return 'completed';
  }

  /** Whether the invocation has too little time left to start another step. */
  private outOfTime(): boolean {
    return this.deadline.getTime() - this.deps.clock().getTime() < CATCHUP_STEP_BUDGET_MS;
  }

  /** Queues the run's next message from where it stands, holding the lease until it is handled. */
  private async continueLater(delaySeconds = 0): Promise<Step> {
    if (!(await renew(this.deps, this.message, delaySeconds))) return 'stale';
    await this.deps.catchupQueue.send([{ message: this.message, ...(delaySeconds > 0 ? { delaySeconds } : {}) }]);
    return delaySeconds > 0 ? 'deferred' : 'continued';
  }

  private call<T>(call: (token: string, intercom: IntercomClient) => Promise<IntercomResponse<T>>): Promise<BudgetedCall<T>> {
    this.calls += 1;
    return callWithinBudget(this.deps, this.caller, call, { connection: this.connection });
  }

  /**
   * Pages through a search from the message's cursor, handling each conversation after the
   * message's `after` (the page's sort order is the search's, ties by id), then moves to `next`.
   */
  private async pages(
    search: (cursor: string | null) => Parameters<IntercomClient['searchConversations']>[1],
    sortValue: (conversation: IntercomConversation) => number,
    next: () => Partial<CatchupMessage>,
    onDone?: () => Promise<boolean>,
  ): Promise<Step> {
    for (;;) {
      if (this.outOfTime()) return this.continueLater();
      if (!(await renew(this.deps, this.message))) return 'stale';
      const page = await this.call<SearchPage>((token, intercom) =>
        intercom.searchConversations(token, search(this.message.cursor), { waitOnRateLimit: false }),
      );
      if (page.kind === 'deferred') return this.continueLater(page.delaySeconds);
      const { after } = this.message;
      const remaining = page.body.conversations.filter(
        (conversation) => after === null || sortValue(conversation) > after.sortValue || (sortValue(conversation) === after.sortValue && conversation.id > after.id),
      );
      await this.markTags(remaining);
      const step = await this.handleAll(
        remaining,
        this.handle,
        (conversation) => ({ after: { sortValue: sortValue(conversation), id: conversation.id } }),
        (conversation) => conversation.id,
      );
      if (step !== 'next') return step;
      const cursor = page.body.pages?.next?.starting_after ?? null;
      if (cursor === null || page.body.conversations.length === 0) {
        if (onDone && !(await onDone())) return 'stale';
        this.message = { ...this.message, cursor: null, after: null, ...next() };
        return 'next';
      }
      this.message = { ...this.message, cursor, after: null };
    }
  }

  /**
   * Handles conversations a few at a time; `position` says where the message stands once a
   * conversation and every one before it is done. Stops early when time runs short or the rate
   * budget is spent, and queues the rest.
   */
  private async handleAll<T>(
    items: T[],
    handle: (item: T, records: Map<string, ConversationRecord>) => Promise<Handled>,
    position: (item: T, index: number) => Partial<CatchupMessage>,
    idOf: (item: T) => string,
  ): Promise<Step> {
    if (items.length === 0) return 'next';
    const records = await this.deps.feedbackCatchup.conversations(this.workspaceId, items.map(idOf), this.productIds);
    for (let start = 0; start < items.length; start += CONVERSATIONS_IN_FLIGHT) {
      if (this.outOfTime()) return this.continueLater();
      const chunk = items.slice(start, start + CONVERSATIONS_IN_FLIGHT);
      const results = await Promise.all(chunk.map((item) => handle(item, records)));
      const stopped = results.findIndex((result) => result.kind === 'deferred');
      const doneUpTo = stopped === -1 ? chunk.length : stopped;
      if (doneUpTo > 0) this.message = { ...this.message, ...position(chunk[doneUpTo - 1]!, start + doneUpTo - 1) };
      if (stopped !== -1) return this.continueLater((results[stopped] as { delaySeconds: number }).delaySeconds);
    }
    return 'next';
  }

  /** Markers for the trigger tags the search shows on these conversations. */
  private async markTags(conversations: IntercomConversation[]): Promise<void> {
    const seen = conversations.flatMap((conversation) =>
      triggerTagsOn(conversation, this.triggerSet).map((tagId) => ({ tagId, conversationId: conversation.id })),
    );
    await this.deps.feedbackCatchup.markSeen(this.workspaceId, seen);
  }

  private handle = async (conversation: IntercomConversation, records: Map<string, ConversationRecord>): Promise<Handled> => {
    const record = records.get(conversation.id)!;
    const work = conversationWork(conversation, this.products, record, this.countsFrom);
    if (work === null) {
      await this.noteActivity(conversation, record);
      return { kind: 'done' };
    }
    return this.fetchAndSync(conversation.id, record);
  };

  /** `GET /conversations/{id}`, then every ticket of it brought up to date and any missing one made. */
  private async fetchAndSync(conversationId: string, record: ConversationRecord): Promise<Handled> {
    let fetched: BudgetedCall<IntercomConversation>;
    try {
      fetched = await this.call((token, intercom) => intercom.getConversationWithLimits(token, conversationId));
    } catch (error) {
      if (!(error instanceof IntercomNotFoundError)) throw error;
      await this.conversationDeleted(conversationId, record);
      return { kind: 'done' };
    }
    if (fetched.kind === 'deferred') return fetched;
    const conversation = fetched.body;
    const result = await syncConversation(this.deps, this.connection, conversation, { createFromTags: true, appliedSince: this.countsFrom });
    const recovered = result.ticketsCreated.length + result.messagesAdded + result.messagesRedacted;
    if (recovered > 0) {
      this.recovered += recovered;
      await this.deps.feedbackCatchup.addRecovered(this.workspaceId, recovered);
      logger.info('Feedback catch-up recovered what no webhook brought', {
        workspaceId: this.workspaceId,
        conversationId,
        ticketsCreated: result.ticketsCreated.length,
        messagesAdded: result.messagesAdded,
        messagesRedacted: result.messagesRedacted,
      });
    }
    if (record.ticketProducts.size > 0 || result.ticketsCreated.length > 0) {
      const nowSeconds = seconds(this.deps.clock());
      const activityAt = Math.max(record.verification?.activityAt ?? 0, conversation.updated_at ?? 0, record.syncedUpdatedAt ?? 0);
      await this.deps.feedbackCatchup.putVerification(
        this.workspaceId,
        { conversationId, verifiedAt: this.deps.clock().toISOString(), activityAt },
        nowSeconds,
      );
    }
    return { kind: 'done' };
  }

  /** Deleted in Intercom: its tickets say so (the first time found is kept), and it is no longer re-read. */
  private async conversationDeleted(conversationId: string, record: ConversationRecord): Promise<void> {
    const { tickets } = await this.deps.feedback.conversationState(this.workspaceId, conversationId);
    for (const { ticketId } of tickets) await this.deps.feedback.markConversationDeleted(ticketId, this.deps.clock());
    if (record.verification) {
      await this.deps.feedbackCatchup.putVerification(this.workspaceId, record.verification, seconds(this.deps.clock()), { retire: true });
    }
    logger.info('Conversation deleted in Intercom; its tickets are marked', { workspaceId: this.workspaceId, conversationId, tickets: tickets.length });
  }

  /**
   * A ticketed conversation already up to date: the catch-up notes its latest activity, which
   * decides how soon it is re-read. A webhook's sync read the whole conversation, so it counts as a verification.
   */
  private async noteActivity(conversation: IntercomConversation, record: ConversationRecord): Promise<void> {
    if (record.ticketProducts.size === 0 || typeof conversation.updated_at !== 'number') return;
    const previous = record.verification;
    if (previous && previous.activityAt >= conversation.updated_at) return;
    const verifiedAt = [previous?.verifiedAt, record.syncedAt].filter((at): at is string => typeof at === 'string').sort().at(-1) ?? null;
    await this.deps.feedbackCatchup.putVerification(
      this.workspaceId,
      { conversationId: conversation.id, verifiedAt, activityAt: conversation.updated_at },
      seconds(this.deps.clock()),
    );
  }

  /**
   * Compares, per trigger tag, Intercom's count of conversations carrying it with the service's
   * expectation (the last sweep's count, plus conversations first seen carrying it since), after
   * marking the tags of tickets made since the watermark (by webhooks, mostly). Decides the sweep.
   */
  private async counts(): Promise<Step> {
    if (this.outOfTime()) return this.continueLater();
    await this.markRecentTickets();
    const tags = [...this.triggerSet];
    if (tags.length === 0) {
      this.message = { ...this.message, phase: 'verify' };
      return 'next';
    }
    const intercomCounts = new Map<string, number>();
    for (const tagId of tags) {
      const page = await this.call<SearchPage>((token, intercom) => intercom.searchConversations(token, tagCountSearch(tagId), { waitOnRateLimit: false }));
      if (page.kind === 'deferred') return this.continueLater(page.delaySeconds);
      intercomCounts.set(tagId, page.body.total_count);
    }
    const state = await this.deps.feedbackCatchup.get(this.workspaceId);
    const knownCounts = await this.deps.feedbackCatchup.tagCounts(this.workspaceId);
    const fingerprint = sweepFingerprint(this.connection.intercom.appId, this.products);
    const reason = sweepReason({ sweep: state?.sweep ?? null, fingerprint, nowSeconds: this.message.startedAt, intercomCounts, knownCounts });
    logger.info('Feedback catch-up tag counts', {
      workspaceId: this.workspaceId,
      sweep: reason,
      counts: tags.map((tagId) => ({ tagId, intercom: intercomCounts.get(tagId), known: knownCounts.get(tagId) ?? 0 })),
    });
    this.message = reason
      ? { ...this.message, phase: 'sweep', cursor: null, after: null, sweep: { counts: Object.fromEntries(intercomCounts), fingerprint } }
      : { ...this.message, phase: 'verify' };
    return 'next';
  }

  /**
   * The tickets made since the watermark (less the overlap), by webhooks mostly: markers for their
   * trigger tags, and a verification record for those the catch-up has none of, so that they are
   * re-read while active even if nothing moves their `updated_at`.
   */
  private async markRecentTickets(): Promise<void> {
    const since = new Date((this.message.since - SEARCH_OVERLAP_SECONDS) * 1000).toISOString();
    const seen: Array<{ tagId: string; conversationId: string }> = [];
    const madeAt = new Map<string, number>();
    for (const product of this.products) {
      for (const ticket of await this.deps.feedbackCatchup.ticketsTaggedSince(this.workspaceId, product.productId, since)) {
        for (const tagId of ticket.tagIds) if (this.triggerSet.has(tagId)) seen.push({ tagId, conversationId: ticket.conversationId });
        madeAt.set(ticket.conversationId, Math.max(madeAt.get(ticket.conversationId) ?? 0, Math.floor(Date.parse(ticket.createdAt) / 1000)));
      }
    }
    await this.deps.feedbackCatchup.markSeen(this.workspaceId, seen);
    if (madeAt.size === 0) return;
    const records = await this.deps.feedbackCatchup.conversations(this.workspaceId, [...madeAt.keys()], this.productIds);
    const nowSeconds = seconds(this.deps.clock());
    for (const [conversationId, createdAt] of madeAt) {
      const record = records.get(conversationId)!;
      if (record.verification) continue;
      await this.deps.feedbackCatchup.putVerification(
        this.workspaceId,
        { conversationId, verifiedAt: record.syncedAt, activityAt: Math.max(createdAt, record.syncedUpdatedAt ?? 0) },
        nowSeconds,
      );
    }
  }

  /** The sweep saw every conversation carrying its tags: its counts become the baseline. */
  private async recordSweep(): Promise<boolean> {
    const sweep = this.message.sweep!;
    const known = await this.deps.feedbackCatchup.tagCounts(this.workspaceId);
    const baselines: Record<string, TagBaseline> = Object.fromEntries(
      Object.entries(sweep.counts).map(([tagId, intercom]) => [tagId, { intercom, known: known.get(tagId) ?? 0 }]),
    );
    return this.deps.feedbackCatchup.recordSweep(this.workspaceId, this.message.runId, {
      at: this.message.startedAt,
      fingerprint: sweep.fingerprint,
      baselines,
    });
  }

  /**
   * Re-reads ticketed conversations, because a redaction need not move `updated_at`: those not
   * verified for a day (activity within 30 days) and those with activity in the last day, least
   * recently verified first, each group up to its share per run.
   */
  private async verify(): Promise<Step> {
    if (this.message.verify === null) {
      const now = this.deps.clock();
      const [daily, hot] = await Promise.all([
        this.deps.feedbackCatchup.dueVerifications(this.workspaceId, 'daily', new Date(now.getTime() - DAY_SECONDS * 1000).toISOString(), DAILY_PER_RUN),
        this.deps.feedbackCatchup.dueVerifications(this.workspaceId, 'hot', new Date(this.message.startedAt * 1000).toISOString(), HOT_PER_RUN),
      ]);
      this.message = { ...this.message, verify: [...new Set([...daily, ...hot].map((verification) => verification.conversationId))] };
    }
    const ids = this.message.verify!;
    const step = await this.handleAll(
      ids,
      (id, records) => this.fetchAndSync(id, records.get(id)!),
      (_id, index) => ({ verify: ids.slice(index + 1) }),
      (id) => id,
    );
    if (step === 'next') this.message = { ...this.message, verify: [] };
    return step;
  }
}
