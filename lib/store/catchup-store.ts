import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CatchupLease, CatchupState, TagSweep } from '../feedback/catchup-state';
import { groupsOf } from '../platform/groups-of';
import { keys } from './keys';
import { queryAll, type Table } from './table';

/** DynamoDB's limit for one BatchGetItem. */
const BATCH_GET_LIMIT = 100;
/** Marker writes kept in flight at once. */
const MARKERS_IN_FLIGHT = 16;
const DAY_SECONDS = 86_400;
/** A ticketed conversation with activity this recent is re-read every run (up to the run's share). */
export const HOT_SECONDS = DAY_SECONDS;
/** A ticketed conversation idle longer than this is no longer re-read by the schedule (its events still sync it). */
export const VERIFY_HORIZON_SECONDS = 30 * DAY_SECONDS;

/** What the catch-up knows of one conversation: its tickets, what they were synced to, when it last verified it. */
export interface ConversationRecord {
  conversationId: string;
  /** Products that have a ticket for the conversation. */
  ticketProducts: Set<string>;
  /** The conversation's `updated_at` its tickets were last brought up to date to. */
  syncedUpdatedAt: number | null;
  /** When they were (ISO): a sync reads the whole conversation, so it counts as a verification. */
  syncedAt: string | null;
  verification: Verification | null;
}

/** When the catch-up last re-read a ticketed conversation from Intercom, and the last activity it knows of. */
export interface Verification {
  conversationId: string;
  /** ISO time; null when only seen, never re-read. */
  verifiedAt: string | null;
  /** Unix seconds: the latest `updated_at` of the conversation the service saw. */
  activityAt: number;
}

export type VerificationTier = 'hot' | 'daily';

/** Which re-read queue a verification belongs in at `nowSeconds`, if any. */
export function verificationTier(activityAt: number, nowSeconds: number): VerificationTier | null {
  if (activityAt >= nowSeconds - HOT_SECONDS) return 'hot';
  if (activityAt >= nowSeconds - VERIFY_HORIZON_SECONDS) return 'daily';
  return null;
}

/** Sorts first in a tier: never verified. */
const NEVER = '0000-00-00T00:00:00.000Z';

/**
 * The feedback catch-up's records: one state item per workspace (watermark, lease, status, tag
 * baselines); a marker per trigger tag and conversation it was seen on, with a counter per tag
 * of the markers written; and a verification item per ticketed
 * conversation, listed in gsi1 by tier and by when it was last verified.
 */
export class FeedbackCatchupStore {
  constructor(private readonly table: Table) {}

  async get(workspaceId: string): Promise<CatchupState | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.feedbackCatchup(workspaceId), ConsistentRead: true }),
    );
    return Item ? toState(Item) : undefined;
  }

  /**
   * Starts the catch-up of a connection at `startAt` (unix seconds): its watermark and the time
   * from which tags count. Only when there is no state yet or it belongs to another connection;
   * the status and tag baselines stay. False when nothing changed.
   */
  async begin(workspaceId: string, connectionId: string, startAt: number): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'SET #connectionId = :connectionId, #watermark = :startAt, #countsFrom = :startAt, #recovered = if_not_exists(#recovered, :zero)',
      ConditionExpression: 'attribute_not_exists(#connectionId) OR #connectionId <> :connectionId',
      ExpressionAttributeNames: names('connectionId', 'watermark', 'countsFrom', 'recovered'),
      ExpressionAttributeValues: { ':connectionId': connectionId, ':startAt': startAt, ':zero': 0 },
    });
  }

  /**
   * Feedback switched on again at `at`: the catch-up starts there, and tags applied while it was off
   * never count, as they never did for webhooks. Nothing when the catch-up never ran.
   */
  async restartAt(workspaceId: string, at: number): Promise<void> {
    await this.update(workspaceId, {
      UpdateExpression: 'SET #watermark = :at, #countsFrom = :at',
      ConditionExpression: 'attribute_exists(#connectionId)',
      ExpressionAttributeNames: names('watermark', 'countsFrom', 'connectionId'),
      ExpressionAttributeValues: { ':at': at },
    });
  }

  /** Takes the workspace's lease for a new run while no run holds a live one. False when another does. */
  async takeLease(workspaceId: string, lease: CatchupLease, nowSeconds: number): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'SET #run = :lease',
      ConditionExpression: 'attribute_exists(#connectionId) AND (attribute_not_exists(#run) OR #run.#leaseUntil <= :now)',
      ExpressionAttributeNames: names('run', 'leaseUntil', 'connectionId'),
      ExpressionAttributeValues: { ':lease': lease, ':now': nowSeconds },
    });
  }

  /** Renews run `runId`'s lease while it still holds a live one; false for a stale run. */
  async renewLease(workspaceId: string, lease: CatchupLease, nowSeconds: number): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'SET #run.#leaseUntil = :until',
      ConditionExpression: '#run.#runId = :runId AND #run.#leaseUntil > :now',
      ExpressionAttributeNames: names('run', 'leaseUntil', 'runId'),
      ExpressionAttributeValues: { ':until': lease.leaseUntil, ':runId': lease.runId, ':now': nowSeconds },
    });
  }

  /**
   * Records a complete run: the watermark moves to `watermark`, the lease is released and the
   * error cleared. Only while `runId` holds the lease.
   */
  async complete(workspaceId: string, run: { runId: string; watermark: number; at: Date }): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'SET #watermark = :watermark, #lastCatchupAt = :at, #lastError = :null REMOVE #run',
      ConditionExpression: '#run.#runId = :runId',
      ExpressionAttributeNames: names('watermark', 'lastCatchupAt', 'lastError', 'run', 'runId'),
      ExpressionAttributeValues: { ':watermark': run.watermark, ':at': run.at.toISOString(), ':null': null, ':runId': run.runId },
    });
  }

  /** Makes a complete tag sweep of run `runId` the new baseline. */
  async recordSweep(workspaceId: string, runId: string, sweep: TagSweep): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'SET #sweep = :sweep',
      ConditionExpression: '#run.#runId = :runId',
      ExpressionAttributeNames: names('sweep', 'run', 'runId'),
      ExpressionAttributeValues: { ':sweep': sweep, ':runId': runId },
    });
  }

  /** Releases run `runId`'s lease without a verdict (feedback was switched off, the workspace disconnected). */
  async release(workspaceId: string, runId: string): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'REMOVE #run',
      ConditionExpression: '#run.#runId = :runId',
      ExpressionAttributeNames: names('run', 'runId'),
      ExpressionAttributeValues: { ':runId': runId },
    });
  }

  /** Records why run `runId` stopped and releases its lease; the watermark stays, so the next run redoes it. */
  async fail(workspaceId: string, run: { runId: string; error: string }): Promise<boolean> {
    return this.update(workspaceId, {
      UpdateExpression: 'SET #lastError = :error REMOVE #run',
      ConditionExpression: '#run.#runId = :runId',
      ExpressionAttributeNames: names('lastError', 'run', 'runId'),
      ExpressionAttributeValues: { ':error': run.error, ':runId': run.runId },
    });
  }

  /** Counts what the catch-up recovered. */
  async addRecovered(workspaceId: string, count: number): Promise<void> {
    if (count <= 0) return;
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.feedbackCatchup(workspaceId),
        UpdateExpression: 'ADD #recovered :count',
        ExpressionAttributeNames: names('recovered'),
        ExpressionAttributeValues: { ':count': count },
      }),
    );
  }

  /**
   * Records that each trigger tag was seen on each conversation. Existing markers are read first
   * (one batch read per 100), so seeing the same tagged conversations again costs reads only; a
   * missing one is written on the condition that it is still missing, and its tag's count then goes
   * up by the markers this call wrote. Two writers of the same marker count it once. A failure
   * between the markers and the count leaves the count short, never over: the service then expects
   * fewer tagged conversations than Intercom counts, and sweeps once more than it needed to.
   * Returns how many markers were new.
   */
  async markSeen(workspaceId: string, seen: Array<{ tagId: string; conversationId: string }>): Promise<number> {
    const unique = [...new Map(seen.map((entry) => [`${entry.tagId}#${entry.conversationId}`, entry])).values()];
    if (unique.length === 0) return 0;
    const existing = new Set(
      (await this.batchGet(unique.map((entry) => keys.feedbackTagSeen(workspaceId, entry.tagId, entry.conversationId)))).map((item) => String(item.sk)),
    );
    const missing = unique.filter((entry) => !existing.has(keys.feedbackTagSeen(workspaceId, entry.tagId, entry.conversationId).sk));
    const added = new Map<string, number>();
    const queue = [...missing];
    const worker = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        if (await this.putMarker(workspaceId, entry.tagId, entry.conversationId)) added.set(entry.tagId, (added.get(entry.tagId) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MARKERS_IN_FLIGHT, missing.length) }, worker));
    await Promise.all(
      [...added].map(([tagId, count]) =>
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: keys.feedbackTagCount(workspaceId, tagId),
            UpdateExpression: 'SET #tagId = :tagId ADD #known :count',
            ExpressionAttributeNames: names('tagId', 'known'),
            ExpressionAttributeValues: { ':tagId': tagId, ':count': count },
          }),
        ),
      ),
    );
    return [...added.values()].reduce((sum, count) => sum + count, 0);
  }

  /** How many conversations the service has seen carrying each trigger tag (its markers). */
  async tagCounts(workspaceId: string): Promise<Map<string, number>> {
    const { pk, skPrefix } = keys.feedbackTagCounts(workspaceId);
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
    });
    return new Map(items.map((item) => [String(item.tagId), Number(item.known ?? 0)]));
  }

  /** What the catch-up knows of each conversation: its tickets (of `productIds`), what they were synced to, its verification. */
  async conversations(workspaceId: string, conversationIds: string[], productIds: string[]): Promise<Map<string, ConversationRecord>> {
    const records = new Map<string, ConversationRecord>(
      conversationIds.map((conversationId) => [conversationId, { conversationId, ticketProducts: new Set(), syncedUpdatedAt: null, syncedAt: null, verification: null }]),
    );
    const wanted = conversationIds.flatMap((conversationId) => [
      keys.conversationSynced(workspaceId, conversationId),
      keys.conversationVerification(workspaceId, conversationId),
      ...productIds.map((productId) => keys.conversationTicket(workspaceId, conversationId, productId)),
    ]);
    const prefix = keys.conversation(workspaceId, '').pk;
    for (const item of await this.batchGet(wanted)) {
      const record = records.get(String(item.pk).slice(prefix.length));
      if (!record) continue;
      if (item.sk === 'SYNCED') {
        record.syncedUpdatedAt = typeof item.updatedAt === 'number' ? item.updatedAt : null;
        record.syncedAt = typeof item.syncedAt === 'string' ? item.syncedAt : null;
      }
      else if (item.sk === 'VERIFIED') record.verification = toVerification(item);
      else if (String(item.sk).startsWith('TICKET#')) record.ticketProducts.add(String(item.productId));
    }
    return records;
  }

  /**
   * Stores a verification, listed in the tier its activity puts it in at `nowSeconds` (none past
   * the horizon, or `retire`d: the schedule no longer re-reads it). Only the workspace's catch-up run writes these.
   */
  async putVerification(workspaceId: string, verification: Verification, nowSeconds: number, options: { retire?: boolean } = {}): Promise<void> {
    const tier = options.retire ? null : verificationTier(verification.activityAt, nowSeconds);
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...keys.conversationVerification(workspaceId, verification.conversationId),
          ...verification,
          ...(tier ? keys.verificationQueue(workspaceId, tier, verification.verifiedAt ?? NEVER, verification.conversationId) : {}),
        },
      }),
    );
  }

  /** Up to `limit` conversations of a tier last verified before `before` (ISO), least recently verified first. */
  async dueVerifications(workspaceId: string, tier: VerificationTier, before: string, limit: number): Promise<Verification[]> {
    const { Items = [] } = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :before',
        ExpressionAttributeValues: { ':pk': keys.verificationTier(workspaceId, tier).gsi1pk, ':before': before },
        Limit: limit,
      }),
    );
    return Items.map(toVerification);
  }

  /**
   * The conversations and tags of a product's tickets whose `createdAt` (when their trigger tag was
   * applied) is at or after `since` (ISO), from the product's inbox index.
   */
  async ticketsTaggedSince(
    workspaceId: string,
    productId: string,
    since: string,
  ): Promise<Array<{ conversationId: string; tagIds: string[]; createdAt: string }>> {
    const { gsi1pk } = keys.ticketInbox(workspaceId, productId, '', '');
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk >= :since',
      ExpressionAttributeValues: { ':pk': gsi1pk, ':since': since },
      ProjectionExpression: 'intercom, createdAt',
    });
    return items.map((item) => ({
      conversationId: String(item.intercom?.conversationId),
      tagIds: (item.intercom?.tagIds ?? []).map(String),
      createdAt: String(item.createdAt),
    }));
  }

  private async putMarker(workspaceId: string, tagId: string, conversationId: string): Promise<boolean> {
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.feedbackTagSeen(workspaceId, tagId, conversationId), tagId, conversationId },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async batchGet(keyList: Array<{ pk: string; sk: string }>): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    await Promise.all(
      groupsOf(keyList, BATCH_GET_LIMIT).map(async (group) => {
        let pending: Record<string, unknown>[] | undefined = group;
        for (let attempt = 0; pending && pending.length > 0; attempt += 1) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
          const response = await this.table.client.send(
            new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: pending, ConsistentRead: true } } }),
          );
          found.push(...(response.Responses?.[this.table.name] ?? []));
          pending = response.UnprocessedKeys?.[this.table.name]?.Keys as Record<string, unknown>[] | undefined;
        }
      }),
    );
    return found;
  }

  private async update(
    workspaceId: string,
    input: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<boolean> {
    try {
      await this.table.client.send(new UpdateCommand({ ...input, TableName: this.table.name, Key: keys.feedbackCatchup(workspaceId) }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toState(item: Record<string, any>): CatchupState {
  return {
    workspaceId: String(item.pk).slice('WORKSPACE#'.length),
    connectionId: item.connectionId,
    watermark: item.watermark,
    countsFrom: item.countsFrom,
    run: item.run ?? null,
    lastCatchupAt: item.lastCatchupAt ?? null,
    recovered: item.recovered ?? 0,
    lastError: item.lastError ?? null,
    sweep: item.sweep ?? null,
  };
}

function toVerification(item: Record<string, any>): Verification {
  return { conversationId: item.conversationId, verifiedAt: item.verifiedAt ?? null, activityAt: item.activityAt };
}

/** `#name` placeholders for attribute names. */
function names(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((attribute) => [`#${attribute}`, attribute]));
}
