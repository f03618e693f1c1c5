import { isLive, settingsOf, type Connection } from '../connect/connection';
import { callWithinBudget } from '../contacts/rate-budget';
import { partsOf, type IntercomConversation } from '../intercom/conversation.schema';
import {
  IntercomBadRequestError,
  IntercomError,
  IntercomNotFoundError,
  IntercomPermissionError,
  IntercomRateLimitError,
  IntercomTokenInvalidError,
} from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import { WriteBackBusyError, type WriteBackIntent, type WriteBackRecord } from '../store/write-back-store';
import { ticketPageUrl, type Ticket } from './ticket';
import type { WriteBackMessage } from './write-back-queue';

/*
 * Write-back: each new ticket, whatever made it, posts one internal note on its conversation,
 * "Sent to Timebook: <product> — <link to the ticket's page>", as the teammate who tagged or sent
 * it. `POST /conversations/{id}/reply` takes no idempotency key, so "exactly once" is kept here:
 * 1. the intent is written with the ticket, in its transaction (new-ticket.ts), and one message
 *    per ticket goes on the write-back queue; the ticket never waits for the note;
 * 2. an attempt is recorded (counted, under a lease) before the POST, and done after it;
 * 3. an attempt recorded and not done may have posted (a lost answer, a timeout, a crash): the
 *    next attempt first reads the conversation and looks for a note carrying the ticket's link,
 *    recognised by the link, not by its author, and posts only when there is none.
 * The note comes back as `conversation.admin.noted` and in every fetch; conversation-sync.ts leaves
 * it out of the ticket (isLinkBackNote).
 */

type WriteBackDeps = Pick<
  Dependencies,
  'writeBacks' | 'writeBackQueue' | 'feedback' | 'connections' | 'contactSync' | 'intercom' | 'secrets' | 'config' | 'clock'
>;

/** How long an attempt holds the note: longer than the POST's worst case, shorter than a retry's wait. */
export const ATTEMPT_LEASE_MS = 60_000;

/** Whether a note's body (HTML or plain text) links to a ticket page of this service: a link-back note. */
export function isLinkBackNote(body: string | null | undefined, appUrl: string | undefined): boolean {
  if (!body || !appUrl) return false;
  const start = body.indexOf(`${appUrl.replace(/\/+$/, '')}/products/`);
  return start !== -1 && body.indexOf('/feedback/', start) !== -1;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The note's HTML. The link is its own label, so the plain-text form Intercom returns still carries it. */
export function linkBackNoteHtml(productName: string, url: string): string {
  const href = escapeHtml(url);
  return `<p>Sent to Timebook: ${escapeHtml(productName)} — <a href="${href}">${href}</a></p>`;
}

/** The name the note shows for a product: its settings' `productName` (the id unless named). */
async function productNameOf(deps: Pick<Dependencies, 'feedback'>, workspaceId: string, productId: string): Promise<string> {
  return (await deps.feedback.getProductFeedback(workspaceId, productId))?.productName || productId;
}

/** The write-back intent for a new ticket, when the workspace has write-back on. */
export function writeBackIntentFor(connection: Connection, ticket: Ticket, postAs: string | null): WriteBackIntent | undefined {
  if (!settingsOf(connection).writeBack) return undefined;
  return {
    workspaceId: ticket.workspaceId,
    ticketId: ticket.id,
    productId: ticket.productId,
    conversationId: ticket.intercom.conversationId,
    postAs,
    createdAt: ticket.createdAt,
  };
}

/**
 * Queues the notes of tickets just made. A failure to queue is logged and kept on the record (the
 * status reports it); it never fails the ticket, which exists already.
 */
export async function queueWriteBacks(deps: Pick<Dependencies, 'writeBackQueue' | 'writeBacks' | 'clock'>, workspaceId: string, ticketIds: string[]): Promise<void> {
  if (ticketIds.length === 0) return;
  try {
    await deps.writeBackQueue.send(ticketIds.map((ticketId) => ({ message: { kind: 'write-back', workspaceId, ticketId } })));
  } catch (error) {
    logger.error('Link-back notes not queued', { workspaceId, ticketIds, error: error as Error });
    for (const ticketId of ticketIds) await deps.writeBacks.recordFailure(ticketId, 'The note could not be queued', deps.clock());
  }
}

export type WriteBackOutcome = 'posted' | 'found' | 'done_already' | 'skipped' | 'failed' | 'deferred' | 'no_record';

/**
 * Posts one ticket's link-back note, at most once (see the top of this file). Intercom calls, each
 * within the workspace's rate budget: one `POST /conversations/{id}/reply`; one `GET /admins` more
 * when nobody is known to post as; one `GET /conversations/{id}` more before an attempt that
 * follows one whose outcome is unknown. A failure a retry may fix is recorded and thrown (SQS
 * retries the message); one no retry can fix marks the note failed.
 */
export async function postLinkBackNote(deps: WriteBackDeps, message: WriteBackMessage): Promise<WriteBackOutcome> {
  const record = await deps.writeBacks.get(message.ticketId);
  if (!record || record.workspaceId !== message.workspaceId) return 'no_record';
  if (record.state !== 'pending') return 'done_already';
  const connection = await deps.connections.get(record.workspaceId);
  if (!isLive(connection) || !settingsOf(connection).writeBack) {
    await deps.writeBacks.markSkipped(record.ticketId);
    return 'skipped';
  }
  const appUrl = deps.config.APP_URL;
  if (!appUrl) {
    await deps.writeBacks.markFailed(record.ticketId, 'APP_URL is not set, so the note has no link', deps.clock());
    return 'failed';
  }
  if (record.leaseUntil !== null && record.leaseUntil > deps.clock().getTime()) {
    throw new WriteBackBusyError(`The link-back note of ticket ${record.ticketId} is being posted`);
  }
  const url = ticketPageUrl(appUrl, record.productId, record.ticketId);
  const caller = { workspaceId: record.workspaceId, appId: connection.intercom.appId };

  try {
    if (record.attempts > 0) {
      // An earlier attempt may have posted: look before posting again.
      const fetched = await callWithinBudget(deps, caller, (token, intercom) => intercom.getConversationWithLimits(token, record.conversationId), {
        connection,
      });
      if (fetched.kind === 'deferred') return await defer(deps, message, fetched.delaySeconds);
      const found = noteLinking(fetched.body, url);
      if (found) {
        await deps.writeBacks.markDone(record.ticketId, found, deps.clock());
        logger.info('Link-back note found on the conversation; not posted again', { ticketId: record.ticketId, partId: found });
        return 'found';
      }
    }

    let adminId = record.postAs;
    if (adminId === null) {
      const admins = await callWithinBudget(deps, caller, (token, intercom) => intercom.listAdminsWithLimits(token), { connection });
      if (admins.kind === 'deferred') return await defer(deps, message, admins.delaySeconds);
      adminId = admins.body.admins[0]?.id ?? null;
    }
    if (adminId === null) {
      await deps.writeBacks.markFailed(record.ticketId, 'The Intercom workspace has no teammate to post the note as', deps.clock());
      return 'failed';
    }
    const author = adminId;
    const body = linkBackNoteHtml(await productNameOf(deps, record.workspaceId, record.productId), url);
    let began = false;
    const posted = await callWithinBudget(
      deps,
      caller,
      async (token, intercom) => {
        await deps.writeBacks.beginAttempt(record, deps.clock().getTime(), ATTEMPT_LEASE_MS);
        began = true;
        return intercom.addNote(token, record.conversationId, { adminId: author, body });
      },
      { connection },
    );
    if (posted.kind === 'deferred') {
      // Not posted (429), or not sent at all; a spent budget is no failure to report.
      if (began) await deps.writeBacks.releaseLease(record.ticketId);
      return await defer(deps, message, posted.delaySeconds);
    }
    const partId = noteLinking(posted.body, url);
    await deps.writeBacks.markDone(record.ticketId, partId, deps.clock());
    logger.info('Link-back note posted', { workspaceId: record.workspaceId, ticketId: record.ticketId, partId });
    return 'posted';
  } catch (error) {
    if (error instanceof WriteBackBusyError) throw error;
    return failed(deps, record, error);
  }
}

/** The id of the conversation's note that carries `url`, if it has one. */
function noteLinking(conversation: IntercomConversation, url: string): string | null {
  const note = partsOf(conversation).find((part) => part.part_type === 'note' && (part.body ?? '').includes(url));
  return note?.id ?? null;
}

/** After this many waits for a rate-limit window, the note is left to SQS's ordinary retries (and DLQ). */
export const MAX_DEFERRALS = 30;

/** Puts the note back on its queue until the rate-limit window resets; the message at hand is done with. */
async function defer(deps: WriteBackDeps, message: WriteBackMessage, delaySeconds: number): Promise<WriteBackOutcome> {
  const deferrals = (message.deferrals ?? 0) + 1;
  if (deferrals > MAX_DEFERRALS) throw new IntercomRateLimitError(`The link-back note waited for ${MAX_DEFERRALS} rate-limit windows`, undefined);
  await deps.writeBackQueue.send([{ message: { ...message, deferrals }, delaySeconds }]);
  return 'deferred';
}

/**
 * A failed attempt. What no retry changes (a missing permission, a refused token, a deleted
 * conversation, a refused request) marks the note failed; anything else (5xx, a timeout, a lost
 * answer, DynamoDB) is recorded and thrown, so SQS retries it, and the retry looks for the note first.
 */
async function failed(deps: WriteBackDeps, record: WriteBackRecord, error: unknown): Promise<WriteBackOutcome> {
  const message = error instanceof Error ? error.message : String(error);
  const permanent =
    error instanceof IntercomPermissionError ||
    error instanceof IntercomTokenInvalidError ||
    error instanceof IntercomNotFoundError ||
    error instanceof IntercomBadRequestError;
  if (permanent) {
    await deps.writeBacks.markFailed(record.ticketId, message, deps.clock());
    logger.warn('Link-back note failed; it is not retried', { ticketId: record.ticketId, intercomStatus: (error as IntercomError).status });
    return 'failed';
  }
  await deps.writeBacks.recordFailure(record.ticketId, message, deps.clock()).catch(() => undefined);
  throw error;
}

/** What the status shows of write-back: the notes that failed, oldest first, and the latest error. */
export interface WriteBackStatus {
  failedTickets: Array<{ ticketId: string; productId: string; state: 'pending' | 'failed'; attempts: number; lastError: string; failedAt: string }>;
  lastError: string | null;
  lastErrorAt: string | null;
}

const STATUS_LIMIT = 20;

/** The status's `writeBack`: notes not posted yet whose last attempt failed (at most 20 listed). */
export async function writeBackStatus(deps: Pick<Dependencies, 'writeBacks'>, workspaceId: string): Promise<WriteBackStatus> {
  const open = await deps.writeBacks.listOpen(workspaceId, 100);
  const failing = open.filter((record) => record.lastError !== null && (record.state === 'pending' || record.state === 'failed'));
  const latest = failing.reduce<WriteBackRecord | undefined>((best, record) => (!best || record.lastError!.at > best.lastError!.at ? record : best), undefined);
  return {
    failedTickets: failing.slice(0, STATUS_LIMIT).map((record) => ({
      ticketId: record.ticketId,
      productId: record.productId,
      state: record.state as 'pending' | 'failed',
      attempts: record.attempts,
      lastError: record.lastError!.message,
      failedAt: record.lastError!.at,
    })),
    lastError: latest?.lastError?.message ?? null,
    lastErrorAt: latest?.lastError?.at ?? null,
  };
}

export function emptyWriteBackStatus(): WriteBackStatus {
  return { failedTickets: [], lastError: null, lastErrorAt: null };
}
