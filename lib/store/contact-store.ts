import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Contact, IntercomContactSnapshot } from '../contacts/contact';
import type { BackfillPartition, BackfillState, ContactSync } from '../contacts/contact-sync';
import type { IncrementalLease } from '../contacts/incremental-lease';
import type { ReconcileRun } from '../contacts/reconcile-contacts';
import { removalVersion, snapshotVersion, type ContactRemoval } from '../contacts/contact-version';
import { SEARCH_LAG_SECONDS } from '../contacts/sync-control';
import { BadRequestError } from '../platform/errors';
import { groupsOf } from '../platform/groups-of';
import { keys } from './keys';
import { decodeCursor, encodeCursor } from './page-cursor';
import {
  defaultRetry,
  ignoreConditionFailure,
  queryAll,
  StoreThrottledError,
  transactWrite,
  ttlAfter,
  type RetryOptions,
  type Table,
  type TransactItem,
} from './table';

type ContactItem = Record<string, unknown> & { version: number };

/** DynamoDB accepts at most 100 writes in one transaction; a journaled contact takes two. */
const JOURNALED_PER_TRANSACTION = 50;
/** DynamoDB's limits for one BatchWriteItem and one BatchGetItem. */
const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;
/** Conditional deletes a removal page keeps in flight at once. */
const DELETES_IN_FLIGHT = 25;
/** A removed contact's tombstone outlives any backfill that could still hold an older copy. */
const TOMBSTONE_TTL_SECONDS = 90 * 86_400;
/**
 * How long a live write stays in the journal: far longer than a backfill page takes from its
 * Intercom read to its write (one Lambda invocation) plus the minutes Intercom's search may lag.
 */
const JOURNAL_TTL_SECONDS = 86_400;
/**
 * A backfill page read from Intercom at `t` can hold a copy older than a live write only if that
 * write began after `t` minus this: Intercom's search shows a change within minutes (see
 * SEARCH_LAG_SECONDS), and clocks differ by far less than the rest.
 */
const LIVE_WRITE_HORIZON_MS = (SEARCH_LAG_SECONDS + 5 * 60) * 1000;
/**
 * A backfill's partitions carry no TTL while the run may resume, however long it stays stopped.
 * Once it cannot (completed, or replaced by another run), they are kept this long for inspection.
 */
const PARTITION_TTL_SECONDS = 30 * 86_400;
/** Partition TTLs set at once when a run's partitions are let go. */
const UPDATES_IN_FLIGHT = 25;

/**
 * Synced contacts, one item per Intercom id under the workspace's contacts partition, ordered by id.
 * Writes follow the newest-wins rule (`lib/contacts/contact-version.ts`): a stored contact carries a
 * `version`, and an older copy never replaces a newer one. A removed contact leaves a tombstone (no
 * personal data, only its id and the removal's version) so that an older copy cannot bring it back.
 *
 * Two kinds of writer:
 * - Live writes (webhooks, the incremental sync) are conditional puts. Each also records the
 *   contact in the workspace's journal, in the same transaction.
 * - The backfill writes whole pages with BatchWriteItem, which takes no condition and costs half a
 *   transaction. A page is a fresh read of Intercom, so it can be older than the stored copy only
 *   when a live write landed since that read; those are in the journal. After writing a page, the
 *   backfill reads the journal for its contacts and puts back every newer copy, conditionally.
 *   Every live write first records when it began; when none began near or after the page's read,
 *   no journal entry can be newer than the page, and the journal is not read.
 */
export class ContactStore {
  constructor(
    private readonly table: Table,
    private readonly retry: RetryOptions = defaultRetry,
  ) {}

  /** Writes one snapshot; false when the stored contact is newer (or was removed for good). */
  async put(workspaceId: string, snapshot: IntercomContactSnapshot, now: Date): Promise<boolean> {
    return (await this.putJournaled(workspaceId, [this.contactItem(workspaceId, snapshot, now)], now)) === 0;
  }

  /** Replaces a contact with its tombstone; false when the stored contact is newer than the removal. */
  async remove(workspaceId: string, contactId: string, removal: ContactRemoval, atSeconds: number, now: Date): Promise<boolean> {
    const tombstone: ContactItem = {
      ...keys.contact(workspaceId, contactId),
      id: contactId,
      removed: removal,
      removedAt: new Date(atSeconds * 1000).toISOString(),
      version: removalVersion(removal, atSeconds),
      syncedAt: now.toISOString(),
      expiresAt: ttlAfter(now, TOMBSTONE_TTL_SECONDS),
    };
    return (await this.putJournaled(workspaceId, [tombstone], now)) === 0;
  }

  /**
   * Live writes of many snapshots (the incremental sync), in transactions of 50 journaled puts.
   * A snapshot older than the stored contact is skipped. Returns how many were written and how many
   * were superseded by newer stored versions.
   */
  async putMany(workspaceId: string, snapshots: IntercomContactSnapshot[], now: Date): Promise<{ written: number; superseded: number }> {
    const items = newestPerContact(snapshots).map((snapshot) => this.contactItem(workspaceId, snapshot, now));
    let superseded = 0;
    for (const group of groupsOf(items, JOURNALED_PER_TRANSACTION)) superseded += await this.putJournaled(workspaceId, group, now);
    return { written: items.length - superseded, superseded };
  }

  /**
   * Writes one backfill page, read from Intercom at `readAt`: BatchWriteItem in groups of 25,
   * unprocessed items retried until DynamoDB takes them (or the call throws, a
   * {@link StoreThrottledError} when items are still unprocessed, and the page is tried again
   * later); then, if a live write began since shortly before `readAt`, any contact the journal
   * holds a newer copy of is put back. Returns how many contacts were written and restored.
   */
  async putBackfillPage(
    workspaceId: string,
    snapshots: IntercomContactSnapshot[],
    { readAt, now }: { readAt: Date; now: Date },
  ): Promise<{ written: number; restored: number }> {
    const write = await this.writeBackfillPage(workspaceId, snapshots, { readAt, now });
    const restored = await this.restoreLiveWrites(write, now, { checkMark: true });
    return { written: write.versions.size, restored };
  }

  /**
   * The writes of {@link putBackfillPage} without its live-write check: the caller must make it
   * before it treats the page as done, with {@link liveWriteGuard} in the transaction that commits
   * the page (and {@link restoreLiveWrites} when that guard fails), or with `restoreLiveWrites` and
   * `checkMark`.
   */
  async writeBackfillPage(
    workspaceId: string,
    snapshots: IntercomContactSnapshot[],
    { readAt, now }: { readAt: Date; now: Date },
  ): Promise<BackfillWrite> {
    const syncedAt = now.toISOString();
    const versions = new Map<string, number>();
    const requests: WriteRequest[] = [];
    for (const snapshot of newestPerContact(snapshots)) {
      const version = snapshotVersion(snapshot.updatedAtSeconds);
      versions.set(snapshot.contact.id, version);
      requests.push({ PutRequest: { Item: contactAttributes(workspaceId, snapshot, version, syncedAt) } });
    }
    // Every group settles before a failure is thrown: no write of this page may land after the
    // page is handed to another delivery.
    await settleAll(groupsOf(requests, BATCH_WRITE_LIMIT).map((group) => this.batchWrite(group)));
    return { workspaceId, readAt, versions };
  }

  /**
   * A transaction item that holds only while no live write began since shortly before the page's
   * read: with it in the transaction that commits the page, a commit that goes through proves that
   * no journal entry can be newer than the page, with no read of its own.
   */
  liveWriteGuard(write: BackfillWrite): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.table.name,
        Key: keys.contactJournalMark(write.workspaceId),
        ConditionExpression: 'attribute_not_exists(#at) OR #at < :horizon',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':horizon': write.readAt.getTime() - LIVE_WRITE_HORIZON_MS },
      },
    };
  }

  /**
   * Puts back every contact of a written backfill page that the journal holds a newer copy of
   * (conditionally, newest wins). With `checkMark`, only once a read of the journal's mark shows that
   * a live write began since shortly before the page's read. Returns how many were restored.
   */
  async restoreLiveWrites(write: BackfillWrite, now: Date, { checkMark = false }: { checkMark?: boolean } = {}): Promise<number> {
    const { workspaceId, readAt, versions } = write;
    if (checkMark) {
      const { Item: mark } = await this.table.client.send(
        new GetCommand({ TableName: this.table.name, Key: keys.contactJournalMark(workspaceId), ConsistentRead: true }),
      );
      if (!mark || (mark.at as number) < readAt.getTime() - LIVE_WRITE_HORIZON_MS) return 0;
    }
    const journal = await this.batchGet([...versions.keys()].map((id) => keys.contactJournal(workspaceId, id)));
    const newer = journal.filter((entry) => (entry.version as number) > versions.get(entry.id as string)!);
    // A restored copy counts as written now: a backfill's removal of what it did not write keeps it.
    await Promise.all(
      newer.map((entry) =>
        this.conditionalPut({ ...(entry.item as ContactItem), ...keys.contact(workspaceId, entry.id as string), syncedAt: now.toISOString() }),
      ),
    );
    return newer.length;
  }

  /**
   * One page of the workspace's stored contacts that the sync of Intercom workspace `appId` may no
   * longer hold, read in id order after the contact id `after` (at most `limit` stored items):
   * - those Intercom said belong to another workspace are deleted here, each conditionally, so one
   *   written again since the page was read stays;
   * - live ones of this workspace (or of none Intercom named) last written before `writtenBefore`
   *   (ISO-8601; none when null) are returned as `unseen`, in id order, for the caller to ask
   *   Intercom about: only Intercom can say whether a contact is gone.
   * Tombstones stay until they expire. `next` is the id to continue after, null after the last page.
   */
  async sweepPage(
    workspaceId: string,
    page: { appId: string; writtenBefore: string | null; after: string | null; limit: number },
  ): Promise<{ removed: number; unseen: string[]; next: string | null }> {
    const { pk, skPrefix } = keys.contacts(workspaceId);
    const elsewhere = 'attribute_exists(#appId) AND #appId <> :appId';
    const unseen = '(attribute_not_exists(#appId) OR #appId = :appId) AND attribute_not_exists(#removed) AND #syncedAt < :before';
    const filter = page.writtenBefore === null ? elsewhere : `(${elsewhere}) OR (${unseen})`;
    const result = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        FilterExpression: filter,
        ProjectionExpression: '#sk, #appId',
        ExpressionAttributeNames: {
          '#pk': 'pk',
          '#sk': 'sk',
          '#appId': 'appId',
          ...(page.writtenBefore === null ? {} : { '#removed': 'removed', '#syncedAt': 'syncedAt' }),
        },
        ExpressionAttributeValues: {
          ':pk': pk,
          ':prefix': skPrefix,
          ':appId': page.appId,
          ...(page.writtenBefore === null ? {} : { ':before': page.writtenBefore }),
        },
        ExclusiveStartKey: page.after === null ? undefined : keys.contact(workspaceId, page.after),
        Limit: page.limit,
      }),
    );
    const items = result.Items ?? [];
    const isElsewhere = (item: Record<string, unknown>) => item.appId !== undefined && item.appId !== page.appId;
    let removed = 0;
    for (const group of groupsOf(items.filter(isElsewhere), DELETES_IN_FLIGHT)) {
      await Promise.all(
        group.map((item) =>
          this.table.client
            .send(
              new DeleteCommand({
                TableName: this.table.name,
                Key: { pk, sk: item.sk },
                ConditionExpression: elsewhere,
                ExpressionAttributeNames: { '#appId': 'appId' },
                ExpressionAttributeValues: { ':appId': page.appId },
              }),
            )
            .then(() => (removed += 1), ignoreConditionFailure),
        ),
      );
    }
    const idOf = (sk: unknown) => (sk as string).slice(skPrefix.length);
    const last = result.LastEvaluatedKey?.sk;
    return {
      removed,
      unseen: items.filter((item) => !isElsewhere(item)).map((item) => idOf(item.sk)),
      next: last === undefined ? null : idOf(last),
    };
  }

  /** A live contact and its version; undefined when unknown or removed. */
  async get(workspaceId: string, contactId: string): Promise<{ contact: Contact; version: number } | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.contact(workspaceId, contactId), ConsistentRead: true }),
    );
    if (!Item || Item.removed) return undefined;
    return { contact: toContact(Item), version: Item.version as number };
  }

  /**
   * One page of the workspace's live contacts in id order. `nextCursor` is null on the last page:
   * the query reads one contact beyond the page to know.
   */
  async list(workspaceId: string, page: { limit: number; cursor?: string }): Promise<{ contacts: Contact[]; nextCursor: string | null }> {
    const { pk, skPrefix } = keys.contacts(workspaceId);
    let startKey = contactListStartKey(workspaceId, page.cursor);
    const items: Record<string, unknown>[] = [];
    do {
      const result = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          FilterExpression: 'attribute_not_exists(#removed)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#removed': 'removed' },
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ExclusiveStartKey: startKey,
          Limit: page.limit + 1 - items.length,
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey && items.length <= page.limit);
    const shown = items.slice(0, page.limit);
    const last = shown.at(-1);
    const nextCursor = items.length > page.limit && last ? encodeCursor({ pk: last.pk, sk: last.sk }) : null;
    return { contacts: shown.map(toContact), nextCursor };
  }

  private contactItem(workspaceId: string, snapshot: IntercomContactSnapshot, now: Date): ContactItem {
    const version = snapshotVersion(snapshot.updatedAtSeconds);
    const item: ContactItem = { ...keys.contact(workspaceId, snapshot.contact.id), ...snapshot.contact, version, syncedAt: now.toISOString() };
    if (snapshot.appId !== null) item.appId = snapshot.appId;
    return item;
  }

  /** The conditional put of a contact item, applied only over an older or missing one. */
  private newestWinsPut(item: ContactItem) {
    return {
      TableName: this.table.name,
      Item: item,
      ConditionExpression: NEWEST_WINS,
      ExpressionAttributeNames: { '#pk': 'pk', '#version': 'version' },
      ExpressionAttributeValues: { ':version': item.version },
    };
  }

  /** The journal entry of a live write: the item as written, for a backfill page to restore. */
  private journalEntry(workspaceId: string, item: ContactItem, now: Date): ContactItem {
    const { pk: _pk, sk: _sk, ...body } = item;
    const ttl = item.removed ? TOMBSTONE_TTL_SECONDS : JOURNAL_TTL_SECONDS;
    return { ...keys.contactJournal(workspaceId, item.id as string), id: item.id, version: item.version, item: body, expiresAt: ttlAfter(now, ttl) };
  }

  private async conditionalPut(item: ContactItem): Promise<boolean> {
    try {
      await this.table.client.send(new PutCommand(this.newestWinsPut(item)));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Puts contact items and their journal entries in one transaction, each conditional on
   * newest-wins. An item whose contact or journal entry is newer is skipped; a transaction
   * cancelled for any other reason (a conflicting write, throttling) is retried with the items still
   * due, so none is lost. Returns how many were superseded.
   */
  private async putJournaled(workspaceId: string, items: ContactItem[], now: Date): Promise<number> {
    await this.markLiveWrite(workspaceId, now);
    let due = items;
    let superseded = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.table.client.send(
          new TransactWriteCommand({
            TransactItems: due.flatMap((item) => [
              { Put: this.newestWinsPut(item) },
              { Put: this.newestWinsPut(this.journalEntry(workspaceId, item, now)) },
            ]),
          }),
        );
        return superseded;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= this.retry.attempts) throw error;
        const reasons = error.CancellationReasons ?? [];
        const stale = new Set(reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [Math.floor(index / 2)] : [])));
        superseded += stale.size;
        due = due.filter((_, index) => !stale.has(index));
        if (due.length === 0) return superseded;
        // Only a conflict or throttling cancels without a stale item: wait before trying again.
        if (stale.size === 0) await this.backOff(attempt);
      }
    }
  }

  /** Records that a live write begins at `now` (the mark only moves forward). */
  private async markLiveWrite(workspaceId: string, now: Date): Promise<void> {
    // A backfill page's commit checks the mark in a transaction; DynamoDB refuses a write to the
    // mark meanwhile (TransactionConflictException, which the SDK does not retry): try again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: keys.contactJournalMark(workspaceId),
            UpdateExpression: 'SET #at = :at, #expiresAt = :ttl',
            ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
            ExpressionAttributeNames: { '#at': 'at', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: { ':at': now.getTime(), ':ttl': ttlAfter(now, JOURNAL_TTL_SECONDS) },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof TransactionConflictException)) return ignoreConditionFailure(error);
        await this.backOff(attempt + 1);
      }
    }
  }

  /**
   * One BatchWriteItem of up to 25 puts, already in DynamoDB's attribute-value form (the document
   * client's marshalling of every item costs more than the rest of a backfill's work on it), with
   * unprocessed items retried after a back-off.
   */
  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > 1) await this.backOff(attempt, pending.length);
      const { UnprocessedItems } = await this.table.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table.name]: pending } }));
      pending = UnprocessedItems?.[this.table.name] ?? [];
    }
  }

  /** Strongly consistent reads of up to any number of keys; the items that exist, in no order. */
  private async batchGet(keyList: Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    await Promise.all(
      groupsOf(keyList, BATCH_GET_LIMIT).map(async (group) => {
        let pending: Record<string, unknown>[] = group;
        for (let attempt = 1; pending.length > 0; attempt += 1) {
          if (attempt > 1) await this.backOff(attempt, pending.length);
          const { Responses, UnprocessedKeys } = await this.table.client.send(
            new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: pending, ConsistentRead: true } } }),
          );
          found.push(...(Responses?.[this.table.name] ?? []));
          pending = UnprocessedKeys?.[this.table.name]?.Keys ?? [];
        }
      }),
    );
    return found;
  }

  /**
   * Waits before attempt `attempt` (exponential, jittered). Past the last attempt it throws instead:
   * the caller's work fails as a whole and is retried, losing nothing. Items a batch left
   * `unprocessed` were throttled: that failure is a {@link StoreThrottledError}.
   */
  private async backOff(attempt: number, unprocessed?: number): Promise<void> {
    if (attempt > this.retry.attempts) {
      if (unprocessed === undefined) throw new Error(`A contact write still conflicted after ${this.retry.attempts} attempts`);
      throw new StoreThrottledError(`DynamoDB left ${unprocessed} contact operations unprocessed after ${this.retry.attempts} attempts`);
    }
    await this.retry.sleep(Math.random() * 50 * 2 ** attempt);
  }
}

/** Waits for every promise, then throws the first failure if there was one. */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The newest snapshot of each contact in a list (a page can hold one contact twice). */
function newestPerContact(snapshots: IntercomContactSnapshot[]): IntercomContactSnapshot[] {
  const newest = new Map<string, IntercomContactSnapshot>();
  for (const snapshot of snapshots) {
    const seen = newest.get(snapshot.contact.id);
    if (!seen || seen.updatedAtSeconds < snapshot.updatedAtSeconds) newest.set(snapshot.contact.id, snapshot);
  }
  return [...newest.values()];
}

const NEWEST_WINS = 'attribute_not_exists(#pk) OR #version <= :version';

/** A backfill page as written: what its live-write check needs. */
export interface BackfillWrite {
  workspaceId: string;
  readAt: Date;
  /** The version written, per contact id. */
  versions: Map<string, number>;
}

const NULL: AttributeValue = { NULL: true };
const text = (value: string | null): AttributeValue => (value === null ? NULL : { S: value });

/**
 * A contact item (the one {@link ContactStore} writes live, field for field) in DynamoDB's
 * attribute-value form, built directly.
 */
function contactAttributes(workspaceId: string, snapshot: IntercomContactSnapshot, version: number, syncedAt: string): Record<string, AttributeValue> {
  const { contact } = snapshot;
  const key = keys.contact(workspaceId, contact.id);
  const item: Record<string, AttributeValue> = {
    pk: { S: key.pk },
    sk: { S: key.sk },
    id: { S: contact.id },
    externalId: text(contact.externalId),
    role: { S: contact.role },
    email: text(contact.email),
    name: text(contact.name),
    phone: text(contact.phone),
    createdAt: { S: contact.createdAt },
    updatedAt: { S: contact.updatedAt },
    customAttributes: jsonAttribute(contact.customAttributes),
    version: { N: String(version) },
    syncedAt: { S: syncedAt },
  };
  if (snapshot.appId !== null) item.appId = { S: snapshot.appId };
  return item;
}

/**
 * A JSON value (custom attributes come from JSON.parse) as an attribute value, as the document
 * client marshals it: undefined members left out, numbers beyond the safe integers refused.
 */
function jsonAttribute(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      if (!Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER) {
        throw new Error(`Number ${value} cannot be stored exactly`);
      }
      return { N: String(value) };
    case 'object': {
      if (value === null) return NULL;
      if (Array.isArray(value)) return { L: value.filter((member) => member !== undefined).map(jsonAttribute) };
      const map: Record<string, AttributeValue> = {};
      for (const [name, member] of Object.entries(value)) if (member !== undefined) map[name] = jsonAttribute(member);
      return { M: map };
    }
    default:
      throw new Error(`A ${typeof value} is not a JSON value`);
  }
}

const CONTACT_FIELDS = ['id', 'externalId', 'role', 'email', 'name', 'phone', 'createdAt', 'updatedAt', 'customAttributes'] as const;

function toContact(item: Record<string, unknown>): Contact {
  const contact: Record<string, unknown> = {};
  for (const field of CONTACT_FIELDS) contact[field] = item[field] ?? null;
  contact.customAttributes = item.customAttributes ?? {};
  return contact as unknown as Contact;
}

/**
 * The DynamoDB start key a contacts cursor stands for. Only a key of this workspace's contacts
 * partition, and nothing more, is accepted; anything else is a 400 `invalid_cursor`.
 */
export function contactListStartKey(workspaceId: string, cursor: string | undefined): Record<string, unknown> | undefined {
  const { pk, skPrefix } = keys.contacts(workspaceId);
  const key = decodeCursor(cursor, { pk });
  if (key === undefined) return undefined;
  const names = Object.keys(key).sort();
  if (names.join() !== 'pk,sk' || !String(key.sk).startsWith(skPrefix)) {
    throw new BadRequestError('The cursor is not one this list issued.', {}, 'invalid_cursor');
  }
  return key;
}

/** The run a new backfill replaces, as its caller saw it (see {@link ContactSyncStore.beginRun}). */
export type PreviousRun = { generation: number; runId?: undefined } | { generation: number; runId: string; state: BackfillState };

/** The checkpoint of one backfill page (see {@link ContactSyncStore.checkpointPage}). */
export interface PageCommit {
  runId: string;
  generation: number;
  partitionId: string;
  seq: number;
  claimId: string;
  cursor: string | null;
  count: number;
  last: boolean;
  expected?: number;
  now: Date;
}

/** Requests one take from a rate budget gets at most (see {@link ContactSyncStore.reserveIntercomRequest}). */
export const GRANTS_PER_TAKE = 10;

const TAKEN = Symbol('taken');

interface HeldGrants {
  /** Requests taken and not yet handed out, good until `resetAt`. */
  tokens: number;
  /** The budget's window, `remaining` and `reserve` as this process last read or wrote them. */
  resetAt: number;
  remaining: number;
  reserve: number;
}

/** A number attribute of the item a failed condition returns (the SDK leaves it unmarshalled). */
function numberAttribute(value: AttributeValue | undefined): number | undefined {
  const parsed = value?.N === undefined ? Number.NaN : Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function budgetKey(caller: IntercomCaller): string {
  return `${caller.appId}\n${caller.workspaceId}`;
}

/** Who spends a rate budget: a Timebook workspace calling the Intercom workspace `appId`. */
export interface IntercomCaller {
  workspaceId: string;
  appId: string;
}

/**
 * Contact sync state: one item per workspace (the switch, the current backfill's progress and the
 * incremental watermark), one item per backfill partition (its checkpoint), and one rate budget
 * item per Intercom workspace. Every step of a backfill is a conditional write on the run id and
 * generation, so work queued for a stopped, restarted or superseded backfill changes nothing.
 */
export class ContactSyncStore {
  /** Per rate budget: requests this process took and may hand out, and the budget as last seen. */
  private readonly granted = new Map<string, HeldGrants>();
  /** Per rate budget: the take in flight, which every caller that finds no request held waits on. */
  private readonly taking = new Map<string, ReturnType<ContactSyncStore['reserveFromBudget']>>();

  constructor(private readonly table: Table) {}

  async get(workspaceId: string): Promise<ContactSync | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.contactSync(workspaceId), ConsistentRead: true }),
    );
    return Item ? toSync(Item) : undefined;
  }

  /**
   * Records a new backfill and its root partition, switching sync on. Conditional on the previous
   * state being the one the caller saw, so two concurrent starts create one backfill: no sync yet
   * (`null`); that generation and not running; or, to restart a run from scratch, that generation
   * of that run in that state. False when another start won.
   */
  async beginRun(sync: ContactSync, root: BackfillPartition, previous: PreviousRun | null): Promise<boolean> {
    const condition: { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } =
      previous === null
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
        : previous.runId === undefined
          ? {
              ConditionExpression: '#generation = :previous AND #state <> :running',
              ExpressionAttributeNames: { '#generation': 'generation', '#state': 'state' },
              ExpressionAttributeValues: { ':previous': previous.generation, ':running': 'running' },
            }
          : {
              ConditionExpression: '#generation = :previous AND #runId = :runId AND #state = :state',
              ExpressionAttributeNames: { '#generation': 'generation', '#runId': 'runId', '#state': 'state' },
              ExpressionAttributeValues: { ':previous': previous.generation, ':runId': previous.runId, ':state': previous.state },
            };
    return this.transact([
      {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.contactSync(sync.workspaceId), ...keys.contactSyncEnabled(sync.workspaceId), ...sync },
          ...condition,
        },
      },
      { Put: { TableName: this.table.name, Item: this.partitionItem(sync.workspaceId, root) } },
    ]);
  }

  /**
   * Takes over a backfill in one of `from` states at generation `generation`: the next generation
   * runs it, and sync is switched on. Returns the new state, or undefined when it changed meanwhile.
   */
  async resume(
    workspaceId: string,
    at: { generation: number; from: ContactSync['state'][]; now: Date },
  ): Promise<ContactSync | undefined> {
    const from = Object.fromEntries(at.from.map((state, i) => [`:from${i}`, state]));
    return this.update(workspaceId, {
      UpdateExpression:
        'SET #generation = :next, #state = :running, #enabled = :true, #gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk, #stoppedAt = :null, #progressAt = :now, #error = :null',
      ConditionExpression: `#generation = :generation AND #state IN (${Object.keys(from).join(', ')})`,
      ExpressionAttributeNames: names('generation', 'state', 'enabled', 'gsi1pk', 'gsi1sk', 'stoppedAt', 'progressAt', 'error'),
      ExpressionAttributeValues: {
        ...from,
        ':generation': at.generation,
        ':next': at.generation + 1,
        ':running': 'running',
        ':true': true,
        ':null': null,
        ':now': at.now.toISOString(),
        ':gsi1pk': keys.contactSyncEnabled(workspaceId).gsi1pk,
        ':gsi1sk': keys.contactSyncEnabled(workspaceId).gsi1sk,
      },
    });
  }

  /** Switches sync off; a running backfill becomes `stopped` and its queued pages are dropped. */
  async disable(workspaceId: string, now: Date): Promise<ContactSync | undefined> {
    const stopped = await this.update(workspaceId, {
      UpdateExpression: 'SET #enabled = :false, #state = :stopped, #stoppedAt = :now REMOVE #gsi1pk, #gsi1sk',
      ConditionExpression: '#state = :running',
      ExpressionAttributeNames: names('enabled', 'state', 'stoppedAt', 'gsi1pk', 'gsi1sk'),
      ExpressionAttributeValues: { ':false': false, ':stopped': 'stopped', ':now': now.toISOString(), ':running': 'running' },
    });
    if (stopped) return stopped;
    return this.update(workspaceId, {
      UpdateExpression: 'SET #enabled = :false REMOVE #gsi1pk, #gsi1sk',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names('pk', 'enabled', 'gsi1pk', 'gsi1sk'),
      ExpressionAttributeValues: { ':false': false },
    });
  }

  async getPartition(workspaceId: string, runId: string, partitionId: string): Promise<BackfillPartition | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({
        TableName: this.table.name,
        Key: keys.backfillPartition(workspaceId, runId, partitionId),
        ConsistentRead: true,
      }),
    );
    return Item ? toPartition(Item) : undefined;
  }

  /**
   * Claims page `seq` of a partition for one worker until `until`: no other worker can claim or
   * commit it before then, so two deliveries of one page never write its contacts at the same time.
   * A claim left by a worker that died runs out by itself. Returns the partition, or undefined when
   * it is not at `seq` and pending, or another worker's claim still holds.
   */
  async claimPage(
    workspaceId: string,
    page: { runId: string; partitionId: string; seq: number; claimId: string; until: Date; now: Date },
  ): Promise<BackfillPartition | undefined> {
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.backfillPartition(workspaceId, page.runId, page.partitionId),
          UpdateExpression: 'SET #claimId = :claimId, #claimedUntil = :until',
          ConditionExpression: '#seq = :seq AND #state = :pending AND (attribute_not_exists(#claimedUntil) OR #claimedUntil <= :now)',
          ExpressionAttributeNames: names('claimId', 'claimedUntil', 'seq', 'state'),
          ExpressionAttributeValues: {
            ':claimId': page.claimId,
            ':until': page.until.getTime(),
            ':seq': page.seq,
            ':pending': 'pending',
            ':now': page.now.getTime(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toPartition(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Gives up a claim on a page without committing it; nothing happens if the claim is no longer `claimId`'s. */
  async releaseClaim(workspaceId: string, claim: { runId: string; partitionId: string; claimId: string }): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.backfillPartition(workspaceId, claim.runId, claim.partitionId),
        UpdateExpression: 'REMOVE #claimId, #claimedUntil',
        ConditionExpression: '#claimId = :claimId',
        ExpressionAttributeNames: names('claimId', 'claimedUntil'),
        ExpressionAttributeValues: { ':claimId': claim.claimId },
      }),
    ).catch(ignoreConditionFailure);
  }

  /** Partitions of a run whose id starts with `idPrefix` (all of them by default). */
  async listPartitions(workspaceId: string, runId: string, idPrefix = ''): Promise<BackfillPartition[]> {
    const { pk, skPrefix } = keys.backfillPartitions(workspaceId, runId);
    const items = await queryAll(this.table, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': pk, ':prefix': `${skPrefix}${idPrefix}` },
      ConsistentRead: true,
    });
    return items.map(toPartition);
  }

  /**
   * Lets a run's partitions go once the run can no longer resume (it completed, or another run
   * replaced it): each gets a TTL, {@link PARTITION_TTL_SECONDS} from `now`, unless it has one
   * already. Safe to repeat. Returns how many partitions the run has.
   */
  async expirePartitions(workspaceId: string, runId: string, now: Date): Promise<number> {
    const { pk, skPrefix } = keys.backfillPartitions(workspaceId, runId);
    const items = await queryAll(this.table, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#pk, #sk',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    });
    for (const group of groupsOf(items, UPDATES_IN_FLIGHT)) {
      await Promise.all(
        group.map((item) =>
          this.table.client
            .send(
              new UpdateCommand({
                TableName: this.table.name,
                Key: { pk: item.pk, sk: item.sk },
                UpdateExpression: 'SET #expiresAt = if_not_exists(#expiresAt, :ttl)',
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#pk': 'pk' },
                ExpressionAttributeValues: { ':ttl': ttlAfter(now, PARTITION_TTL_SECONDS) },
              }),
            )
            .catch(ignoreConditionFailure),
        ),
      );
    }
    return items.length;
  }

  /**
   * Checkpoints page `seq` of a partition and counts its contacts into the run, atomically and
   * once: both writes are conditional (the partition still at `seq` and claimed by `claimId`, the
   * run still this generation and running), so a repeated or superseded page commits nothing
   * (`refused`). Releases the claim, unless `keepClaim` leaves it in place for the claimant's next
   * page. `guard` is one more condition of the transaction (a live-write guard of the contacts
   * store), whose failure alone is told apart: `guard-failed`, nothing committed (when the page
   * itself is refused, whether the guard held is not said).
   */
  async checkpointPage(
    workspaceId: string,
    page: PageCommit & { keepClaim?: boolean; guard?: TransactItem },
  ): Promise<'committed' | 'refused' | 'guard-failed'> {
    const failed = await transactWrite(this.table, [
      {
        Update: {
          TableName: this.table.name,
          Key: keys.backfillPartition(workspaceId, page.runId, page.partitionId),
          UpdateExpression: `SET #seq = :next, #cursor = :cursor, #state = :state ADD #synced :count${page.keepClaim ? '' : ' REMOVE #claimId, #claimedUntil'}`,
          ConditionExpression: '#seq = :seq AND #state = :pending AND #claimId = :claimId',
          ExpressionAttributeNames: names('seq', 'cursor', 'state', 'synced', 'claimId', ...(page.keepClaim ? [] : ['claimedUntil'])),
          ExpressionAttributeValues: {
            ':seq': page.seq,
            ':claimId': page.claimId,
            ':next': page.seq + 1,
            ':cursor': page.cursor,
            ':state': page.last ? 'done' : 'pending',
            ':pending': 'pending',
            ':count': page.count,
          },
        },
      },
      {
        Update: this.runUpdate(workspaceId, page, {
          set: { progressAt: page.now.toISOString(), expected: page.expected },
          add: { synced: page.count, partitionsDone: page.last ? 1 : 0 },
        }),
      },
      ...(page.guard ? [page.guard] : []),
    ]);
    if (failed.length === 0) return 'committed';
    return failed.includes(0) || failed.includes(1) ? 'refused' : 'guard-failed';
  }

  /**
   * Replaces a partition that has committed no page by its children, in one transaction: the
   * parent (claimed by `claimId`) turns `split`, the children are created, and the run counts them.
   * False when it did not commit.
   */
  async commitSplit(
    workspaceId: string,
    split: { runId: string; generation: number; parentId: string; claimId: string; children: BackfillPartition[]; expected?: number; now: Date },
  ): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.table.name,
          Key: keys.backfillPartition(workspaceId, split.runId, split.parentId),
          UpdateExpression: 'SET #state = :split, #children = :children REMOVE #claimId, #claimedUntil',
          ConditionExpression: '#seq = :zero AND #state = :pending AND #claimId = :claimId',
          ExpressionAttributeNames: names('state', 'children', 'seq', 'claimId', 'claimedUntil'),
          ExpressionAttributeValues: {
            ':claimId': split.claimId,
            ':split': 'split',
            ':children': split.children.map((child) => child.partitionId),
            ':zero': 0,
            ':pending': 'pending',
          },
        },
      },
      {
        Update: this.runUpdate(workspaceId, split, {
          set: { progressAt: split.now.toISOString(), expected: split.expected },
          // The parent counts as done once its children exist.
          add: { partitionsTotal: split.children.length, partitionsDone: 1 },
        }),
      },
      ...split.children.map((child) => ({
        Put: {
          TableName: this.table.name,
          Item: this.partitionItem(workspaceId, child),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      })),
    ]);
  }

  /** Marks the run completed once every partition is done; false while some are not (or it is not running). */
  async complete(workspaceId: string, run: { runId: string; generation: number; now: Date }): Promise<boolean> {
    const update = this.runUpdate(workspaceId, run, { set: { state: 'completed', finishedAt: run.now.toISOString() } }, '#partitionsDone = #partitionsTotal');
    return (await this.update(workspaceId, update)) !== undefined;
  }

  /** Marks a running backfill failed with a reason the status shows. */
  async fail(workspaceId: string, run: { runId: string; error: string; now: Date }): Promise<boolean> {
    return (
      (await this.update(workspaceId, {
        UpdateExpression: 'SET #state = :failed, #finishedAt = :now, #error = :error',
        ConditionExpression: '#runId = :runId AND #state = :running',
        ExpressionAttributeNames: names('state', 'finishedAt', 'error', 'runId'),
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':now': run.now.toISOString(),
          ':error': run.error,
          ':runId': run.runId,
          ':running': 'running',
        },
      })) !== undefined
    );
  }

  /**
   * Records a complete incremental run; its watermark moves forward, never back (a later run may
   * finish first). With a `runId`, only while that run holds the lease, which it releases.
   */
  async recordIncremental(workspaceId: string, run: { watermark: number; at: Date; runId?: string }): Promise<boolean> {
    const leased = run.runId !== undefined;
    return (
      (await this.update(workspaceId, {
        UpdateExpression: `SET #watermark = :watermark, #lastIncrementalAt = :at${leased ? ' REMOVE #incrementalRun' : ''}`,
        ConditionExpression: `#enabled = :true AND #watermark <= :watermark${leased ? ' AND #incrementalRun.#runId = :runId' : ''}`,
        ExpressionAttributeNames: names('watermark', 'lastIncrementalAt', 'enabled', ...(leased ? ['incrementalRun', 'runId'] : [])),
        ExpressionAttributeValues: {
          ':watermark': run.watermark,
          ':at': run.at.toISOString(),
          ':true': true,
          ...(leased ? { ':runId': run.runId } : {}),
        },
      })) !== undefined
    );
  }

  /** Releases run `runId`'s lease, if it still holds it. */
  async releaseIncrementalLease(workspaceId: string, runId: string): Promise<boolean> {
    return (
      (await this.update(workspaceId, {
        UpdateExpression: 'REMOVE #incrementalRun',
        ConditionExpression: '#incrementalRun.#runId = :runId',
        ExpressionAttributeNames: names('incrementalRun', 'runId'),
        ExpressionAttributeValues: { ':runId': runId },
      })) !== undefined
    );
  }

  /**
   * Takes the workspace's incremental lease for a new run, while sync is on and no run holds a live
   * lease (none, or one that expired by `nowSeconds`). False when another run holds it.
   */
  async takeIncrementalLease(workspaceId: string, lease: IncrementalLease, nowSeconds: number): Promise<boolean> {
    return (
      (await this.update(workspaceId, {
        UpdateExpression: 'SET #incrementalRun = :lease',
        ConditionExpression: '#enabled = :true AND (attribute_not_exists(#incrementalRun) OR #incrementalRun.#leaseUntil <= :now)',
        ExpressionAttributeNames: names('incrementalRun', 'leaseUntil', 'enabled'),
        ExpressionAttributeValues: { ':lease': lease, ':now': nowSeconds, ':true': true },
      })) !== undefined
    );
  }

  /**
   * Renews run `runId`'s lease to `leaseUntil`, while it still holds a live one. False for a stale
   * run: another run took the lease, or it expired (its run is taken for crashed).
   */
  async renewIncrementalLease(workspaceId: string, lease: IncrementalLease, nowSeconds: number): Promise<boolean> {
    return (
      (await this.update(workspaceId, {
        UpdateExpression: 'SET #incrementalRun.#leaseUntil = :until',
        ConditionExpression: '#incrementalRun.#runId = :runId AND #incrementalRun.#leaseUntil > :now',
        ExpressionAttributeNames: names('incrementalRun', 'leaseUntil', 'runId'),
        ExpressionAttributeValues: { ':until': lease.leaseUntil, ':runId': lease.runId, ':now': nowSeconds },
      })) !== undefined
    );
  }

  /**
   * Takes the workspace's reconciliation lease for `run`, while sync is on, no backfill runs and no
   * reconciliation holds a live lease (none, or one that expired by `nowSeconds`). With
   * `takingOver`, only from that expired run, whose checkpoint `run` carries on. False when another
   * run holds it, or the sync changed.
   */
  async takeReconcileLease(workspaceId: string, run: ReconcileRun, nowSeconds: number, takingOver?: string): Promise<boolean> {
    const free = takingOver === undefined ? 'attribute_not_exists(#reconcileRun) OR ' : '#reconcileRun.#runId = :previous AND ';
    return (
      (await this.update(workspaceId, {
        UpdateExpression: 'SET #reconcileRun = :run',
        ConditionExpression: `#enabled = :true AND #state <> :running AND #appId = :appId AND (${free}#reconcileRun.#leaseUntil <= :now)`,
        ExpressionAttributeNames: names('reconcileRun', 'leaseUntil', 'enabled', 'state', 'appId', ...(takingOver === undefined ? [] : ['runId'])),
        ExpressionAttributeValues: {
          ':run': run,
          ':now': nowSeconds,
          ':true': true,
          ':running': 'running',
          ':appId': run.appId,
          ...(takingOver === undefined ? {} : { ':previous': takingOver }),
        },
      })) !== undefined
    );
  }

  /**
   * Moves reconciliation `runId` from step `seq` to `next` (its checkpoint, counts and lease), while
   * sync is on, no backfill runs and the run is still at that step; `next` null completes the run,
   * recording `lastReconciledAt`. False for a stale or duplicate message, or once the sync changed.
   */
  async advanceReconcile(workspaceId: string, step: { runId: string; seq: number }, next: ReconcileRun | null, now: Date): Promise<boolean> {
    return (
      (await this.update(workspaceId, {
        UpdateExpression: next === null ? 'SET #lastReconciledAt = :now REMOVE #reconcileRun' : 'SET #reconcileRun = :next',
        ConditionExpression: '#enabled = :true AND #state <> :running AND #reconcileRun.#runId = :runId AND #reconcileRun.#seq = :seq',
        ExpressionAttributeNames: names('reconcileRun', 'runId', 'seq', 'enabled', 'state', ...(next === null ? ['lastReconciledAt'] : [])),
        ExpressionAttributeValues: {
          ':runId': step.runId,
          ':seq': step.seq,
          ':true': true,
          ':running': 'running',
          ...(next === null ? { ':now': now.toISOString() } : { ':next': next }),
        },
      })) !== undefined
    );
  }

  /** Ends reconciliation `runId` without completing it (its lease and checkpoint go), if it is still the workspace's. */
  async dropReconcile(workspaceId: string, runId: string): Promise<boolean> {
    return (
      (await this.update(workspaceId, {
        UpdateExpression: 'REMOVE #reconcileRun',
        ConditionExpression: '#reconcileRun.#runId = :runId',
        ExpressionAttributeNames: names('reconcileRun', 'runId'),
        ExpressionAttributeValues: { ':runId': runId },
      })) !== undefined
    );
  }

  /** Every workspace with contact sync switched on, from the sparse gsi1 entries (no scan). */
  async listEnabled(): Promise<ContactSync[]> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: '#gsi1pk = :gsi1pk',
      ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
      ExpressionAttributeValues: { ':gsi1pk': keys.contactSyncsEnabled().gsi1pk },
    });
    return items.map(toSync);
  }

  /**
   * Takes one request from the shared budget of the caller's Intercom app in its Intercom workspace for the current rate-limit
   * window. Granted while the window's remaining requests stay above the reserve kept for other
   * callers, and whenever no current window is known (the response's headers will tell).
   * `useReserve` is for those other callers (webhook handling): granted while any request is left.
   *
   * Without `useReserve`, requests are taken from the budget a few at a time (up to
   * {@link GRANTS_PER_TAKE}, fewer as the window runs low) and handed out by this process until the
   * window resets: one write serves several pages. Requests taken and not used before the reset are
   * lost, which leaves more, not less, to everyone else; a take may go into the reserve by at most
   * a quarter of what was left above it.
   */
  async reserveIntercomRequest(
    caller: IntercomCaller,
    nowSeconds: number,
    options: { useReserve?: boolean } = {},
  ): Promise<{ granted: true } | { granted: false; retryAt: number }> {
    if (options.useReserve) {
      const outcome = await this.reserveFromBudget(caller, nowSeconds, 1, true);
      return outcome === TAKEN ? { granted: true } : outcome;
    }
    const key = budgetKey(caller);
    for (;;) {
      const held = this.granted.get(key);
      if (held && held.tokens > 0 && nowSeconds < held.resetAt) {
        held.tokens -= 1;
        return { granted: true };
      }
      let take = this.taking.get(key);
      if (!take) {
        const count = held ? Math.min(GRANTS_PER_TAKE, Math.max(1, Math.floor((held.remaining - held.reserve) / 4))) : 1;
        take = this.reserveFromBudget(caller, nowSeconds, count, false).finally(() => this.taking.delete(key));
        this.taking.set(key, take);
      }
      const outcome = await take;
      if (outcome !== TAKEN) return outcome;
    }
  }

  /**
   * Takes `count` requests in one conditional write; `TAKEN` when they are this process's to hand
   * out (see {@link reserveIntercomRequest}), else the outcome for every caller waiting on it.
   */
  private async reserveFromBudget(
    caller: IntercomCaller,
    nowSeconds: number,
    count: number,
    useReserve: boolean,
  ): Promise<{ granted: true } | { granted: false; retryAt: number } | typeof TAKEN> {
    const Key = keys.intercomRateBudget(caller.appId, caller.workspaceId);
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key,
          UpdateExpression: 'SET #remaining = #remaining - :count',
          ConditionExpression: useReserve ? '#resetAt > :now AND #remaining > :none' : '#resetAt > :now AND #remaining > #reserve',
          ExpressionAttributeNames: names('remaining', 'resetAt', ...(useReserve ? [] : ['reserve'])),
          ExpressionAttributeValues: { ':count': count, ':now': nowSeconds, ...(useReserve ? { ':none': 0 } : {}) },
          ReturnValues: useReserve ? 'NONE' : 'ALL_NEW',
        }),
      );
      if (useReserve || !Attributes) return { granted: true };
      this.granted.set(budgetKey(caller), {
        tokens: count,
        resetAt: Attributes.resetAt as number,
        remaining: Attributes.remaining as number,
        reserve: (Attributes.reserve as number | undefined) ?? 0,
      });
      return TAKEN;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key, ConsistentRead: true }));
    const resetAt = Item?.resetAt as number | undefined;
    if (resetAt !== undefined && resetAt > nowSeconds) return { granted: false, retryAt: resetAt };
    if (useReserve) return { granted: true };
    // No current window is known: granted, as every request is until a response tells the window;
    // the grant serves this process for a second at most, or until it records the window.
    this.granted.set(budgetKey(caller), { tokens: count, resetAt: nowSeconds + 1, remaining: Number.POSITIVE_INFINITY, reserve: 0 });
    return TAKEN;
  }

  /**
   * Records what Intercom's `X-RateLimit-*` headers said: a later window replaces the budget; within
   * the same window only a lower `remaining` does (other callers may have spent more than we know).
   * A 429 records `remaining: 0` without a limit, which keeps the last known one. Not written when
   * what this process last saw of the budget shows the write would change nothing.
   */
  async recordIntercomRateLimit(
    caller: IntercomCaller,
    window: { remaining: number; resetAt: number; limit?: number; reserve?: number },
    now: Date,
  ): Promise<void> {
    const key = budgetKey(caller);
    const known = this.granted.get(key);
    // The stored window is at least as late as the one last seen, and within it `remaining` only fell.
    if (known && (window.resetAt < known.resetAt || (window.resetAt === known.resetAt && window.remaining >= known.remaining))) return;
    const sized = window.limit !== undefined && window.reserve !== undefined;
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.intercomRateBudget(caller.appId, caller.workspaceId),
          UpdateExpression: `SET #resetAt = :resetAt, #remaining = :remaining, #expiresAt = :ttl${sized ? ', #limit = :limit, #reserve = :reserve' : ''}`,
          ConditionExpression: 'attribute_not_exists(#resetAt) OR #resetAt < :resetAt OR (#resetAt = :resetAt AND #remaining > :remaining)',
          ExpressionAttributeNames: names('resetAt', 'remaining', 'expiresAt', ...(sized ? ['limit', 'reserve'] : [])),
          ExpressionAttributeValues: {
            ':resetAt': window.resetAt,
            ':remaining': window.remaining,
            ':ttl': ttlAfter(now, 86_400),
            ...(sized ? { ':limit': window.limit, ':reserve': window.reserve } : {}),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      ignoreConditionFailure(error);
      // The stored budget is newer than the headers: known now, so the next such write is not made.
      const stored = (error as ConditionalCheckFailedException).Item;
      const resetAt = numberAttribute(stored?.resetAt);
      const remaining = numberAttribute(stored?.remaining);
      if (resetAt !== undefined && remaining !== undefined) {
        this.granted.set(key, { tokens: known?.resetAt === resetAt ? known.tokens : 0, resetAt, remaining, reserve: numberAttribute(stored?.reserve) ?? known?.reserve ?? 0 });
      }
      return;
    }
    // Requests held from an earlier window, or beyond what Intercom says is left, are not handed out.
    const reserve = window.reserve ?? known?.reserve ?? 0;
    this.granted.set(key, { tokens: 0, resetAt: window.resetAt, remaining: window.remaining, reserve });
  }

  /** A partition's item, without a TTL: see {@link expirePartitions}. */
  private partitionItem(workspaceId: string, partition: BackfillPartition) {
    const { claimedUntil: _unclaimed, expiresAt: _noTtl, ...checkpoint } = partition;
    return {
      ...keys.backfillPartition(workspaceId, partition.runId, partition.partitionId),
      ...checkpoint,
      synced: 0,
    };
  }

  /**
   * An update of the sync item, conditional on it still running this backfill generation (and on
   * `condition`, over the same attribute names). `set` entries that are undefined are left out.
   */
  private runUpdate(
    workspaceId: string,
    run: { runId: string; generation: number },
    change: { set?: Record<string, unknown>; add?: Record<string, number> },
    condition?: string,
  ) {
    const set = Object.entries(change.set ?? {}).filter(([, value]) => value !== undefined);
    const add = Object.entries(change.add ?? {});
    const clauses = [
      set.length > 0 ? `SET ${set.map(([name]) => `#${name} = :set_${name}`).join(', ')}` : '',
      add.length > 0 ? `ADD ${add.map(([name]) => `#${name} :add_${name}`).join(', ')}` : '',
    ];
    const conditionNames = [...(condition ?? '').matchAll(/#(\w+)/g)].map((match) => match[1]!);
    return {
      TableName: this.table.name,
      Key: keys.contactSync(workspaceId),
      UpdateExpression: clauses.filter(Boolean).join(' '),
      ConditionExpression: `#runId = :runId AND #generation = :generation AND #state = :running${condition ? ` AND ${condition}` : ''}`,
      ExpressionAttributeNames: names('runId', 'generation', 'state', ...set.map(([name]) => name), ...add.map(([name]) => name), ...conditionNames),
      ExpressionAttributeValues: {
        ...Object.fromEntries(set.map(([name, value]) => [`:set_${name}`, value])),
        ...Object.fromEntries(add.map(([name, value]) => [`:add_${name}`, value])),
        ':runId': run.runId,
        ':generation': run.generation,
        ':running': 'running',
      },
    };
  }

  private async update(
    workspaceId: string,
    input: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<ContactSync | undefined> {
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({ ...input, TableName: this.table.name, Key: keys.contactSync(workspaceId), ReturnValues: 'ALL_NEW' }),
      );
      return Attributes ? toSync(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** A transaction whose conditions decide whether it applies: false when one of them failed. */
  private async transact(items: TransactItem[]): Promise<boolean> {
    return (await transactWrite(this.table, items)).length === 0;
  }
}

/** `#name` placeholders for attribute names (several, like `state` and `cursor`, are reserved words). */
function names(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((attribute) => [`#${attribute}`, attribute]));
}

function toSync(item: Record<string, unknown>): ContactSync {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...sync } = item;
  return sync as unknown as ContactSync;
}

function toPartition(item: Record<string, unknown>): BackfillPartition {
  return {
    runId: item.runId as string,
    partitionId: item.partitionId as string,
    range: item.range as BackfillPartition['range'],
    state: item.state as BackfillPartition['state'],
    seq: item.seq as number,
    cursor: (item.cursor as string | null | undefined) ?? null,
    claimedUntil: (item.claimedUntil as number | undefined) ?? null,
    ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
  };
}
