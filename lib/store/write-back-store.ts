import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from './keys';
import { ignoreConditionFailure, type Table, type TransactItem } from './table';

/**
 * A ticket's link-back note, from the intent (written with the ticket) to its outcome.
 * `attempts` counts the `POST /conversations/{id}/reply` calls begun: one begun and not known done
 * may have posted, so the next attempt first looks for the note on the conversation.
 */
export interface WriteBackRecord {
  workspaceId: string;
  ticketId: string;
  productId: string;
  conversationId: string;
  /** The teammate the note is posted as (who tagged or sent the conversation); null: the workspace's first admin. */
  postAs: string | null;
  state: 'pending' | 'done' | 'failed' | 'skipped';
  attempts: number;
  /** Unix ms until which an attempt is under way; no other begins meanwhile. */
  leaseUntil: number | null;
  lastError: { at: string; message: string } | null;
  /** The note's part id, when known. */
  partId: string | null;
  createdAt: string;
  doneAt: string | null;
}

export type WriteBackIntent = Pick<WriteBackRecord, 'workspaceId' | 'ticketId' | 'productId' | 'conversationId' | 'postAs' | 'createdAt'>;

/** Thrown when another attempt holds the note's lease, or began since it was read. */
export class WriteBackBusyError extends Error {
  override readonly name = 'WriteBackBusyError';
}

/** The link-back note records, one per ticket in the ticket's partition. */
export class WriteBackStore {
  constructor(private readonly table: Table) {}

  /** The transaction item that records the intent; it goes with the ticket's own write. */
  intentItem(intent: WriteBackIntent): TransactItem {
    const record: WriteBackRecord = { ...intent, state: 'pending', attempts: 0, leaseUntil: null, lastError: null, partId: null, doneAt: null };
    return {
      Put: {
        TableName: this.table.name,
        Item: {
          ...keys.ticketWriteBack(intent.ticketId),
          ...keys.writeBackOpen(intent.workspaceId, intent.createdAt, intent.ticketId),
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  async get(ticketId: string): Promise<WriteBackRecord | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.ticketWriteBack(ticketId), ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /**
   * Begins an attempt: counts it and takes the lease, only while the note is pending, no attempt
   * began since `seen` was read and no lease is held. Else {@link WriteBackBusyError}.
   */
  async beginAttempt(seen: WriteBackRecord, nowMs: number, leaseMs: number): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.ticketWriteBack(seen.ticketId),
          UpdateExpression: 'SET attempts = :next, leaseUntil = :until',
          ConditionExpression: '#state = :pending AND attempts = :seen AND (leaseUntil = :null OR leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':next': seen.attempts + 1,
            ':seen': seen.attempts,
            ':until': nowMs + leaseMs,
            ':pending': 'pending',
            ':null': null,
            ':now': nowMs,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new WriteBackBusyError(`The link-back note of ticket ${seen.ticketId} is being posted`);
      throw error;
    }
  }

  /** The note is on the conversation: done, off the open list. */
  async markDone(ticketId: string, partId: string | null, now: Date): Promise<void> {
    await this.update(ticketId, 'SET #state = :done, partId = :partId, doneAt = :now, leaseUntil = :null, lastError = :null REMOVE gsi1pk, gsi1sk', {
      ':done': 'done',
      ':partId': partId,
      ':now': now.toISOString(),
      ':null': null,
    });
  }

  /** An attempt failed in a way a retry may fix: the error is kept for the status, the lease released. */
  async recordFailure(ticketId: string, message: string, now: Date): Promise<void> {
    await this.update(ticketId, 'SET lastError = :error, leaseUntil = :null', { ':error': { at: now.toISOString(), message }, ':null': null }, 'pending');
  }

  /** No retry can post this note (a missing permission, a deleted conversation): failed, still listed for the status. */
  async markFailed(ticketId: string, message: string, now: Date): Promise<void> {
    await this.update(
      ticketId,
      'SET #state = :failed, lastError = :error, leaseUntil = :null',
      { ':failed': 'failed', ':error': { at: now.toISOString(), message }, ':null': null },
      'pending',
    );
  }

  /** An attempt that posted nothing (a rate limit): the lease goes, the count stays (the next attempt looks first). */
  async releaseLease(ticketId: string): Promise<void> {
    await this.update(ticketId, 'SET leaseUntil = :null', { ':null': null }, 'pending');
  }

  /** Write-back was switched off (or the workspace disconnected) before the note was posted. */
  async markSkipped(ticketId: string): Promise<void> {
    await this.update(ticketId, 'SET #state = :skipped, leaseUntil = :null REMOVE gsi1pk, gsi1sk', { ':skipped': 'skipped', ':null': null }, 'pending');
  }

  /** The workspace's notes not posted yet, oldest first (at most `limit`). */
  async listOpen(workspaceId: string, limit: number): Promise<WriteBackRecord[]> {
    const { Items = [] } = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.writeBacksOpen(workspaceId).gsi1pk },
        Limit: limit,
      }),
    );
    return Items.map(toRecord);
  }

  private async update(ticketId: string, expression: string, values: Record<string, unknown>, onlyIn: WriteBackRecord['state'] | null = null) {
    await this.table.client
      .send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.ticketWriteBack(ticketId),
          UpdateExpression: expression,
          ConditionExpression: onlyIn ? 'attribute_exists(pk) AND #state = :onlyIn' : 'attribute_exists(pk)',
          ExpressionAttributeNames: expression.includes('#state') || onlyIn ? { '#state': 'state' } : undefined,
          ExpressionAttributeValues: { ...values, ...(onlyIn ? { ':onlyIn': onlyIn } : {}) },
        }),
      )
      .catch(ignoreConditionFailure);
  }
}

function toRecord(item: Record<string, any>): WriteBackRecord {
  return {
    workspaceId: item.workspaceId,
    ticketId: item.ticketId,
    productId: item.productId,
    conversationId: item.conversationId,
    postAs: item.postAs ?? null,
    state: item.state,
    attempts: item.attempts ?? 0,
    leaseUntil: item.leaseUntil ?? null,
    lastError: item.lastError ?? null,
    partId: item.partId ?? null,
    createdAt: item.createdAt,
    doneAt: item.doneAt ?? null,
  };
}
