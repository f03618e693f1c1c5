import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BackfillPageMessage, QueuedSyncMessage, SyncMessage, SyncQueue } from '../../lib/contacts/sync-queue';
import { processSyncMessage } from '../../lib/contacts/sync-worker';
import type { Dependencies } from '../../lib/platform/dependencies';
import { inProcessDependencies } from './in-process';
import { dynamo, stack } from './local-stack';

/*
 * Contact sync work run in the test process (see in-process.ts): an in-memory queue in place of
 * SQS, whose messages stay queued until the test takes them, and a clock the test moves.
 */

type MessageOf<K extends SyncMessage['kind']> = Extract<SyncMessage, { kind: K }>;

export class MemoryQueue implements SyncQueue {
  readonly messages: QueuedSyncMessage[] = [];

  async send(messages: QueuedSyncMessage[]): Promise<void> {
    this.messages.push(...messages);
  }

  /** Takes every queued message of `kind` for the workspace, oldest first. */
  takeAll<K extends SyncMessage['kind']>(kind: K, workspaceId: string): MessageOf<K>[] {
    const taken: MessageOf<K>[] = [];
    for (let index = this.messages.length - 1; index >= 0; index -= 1) {
      const { message } = this.messages[index]!;
      if (message.kind === kind && message.workspaceId === workspaceId) {
        taken.unshift(message as MessageOf<K>);
        this.messages.splice(index, 1);
      }
    }
    return taken;
  }

  /** Takes every queued incremental page of the workspace. */
  takeIncremental(workspaceId: string) {
    return this.takeAll('incremental-page', workspaceId);
  }

  /** Takes the first queued backfill page that `predicate` accepts. */
  take(predicate: (message: BackfillPageMessage) => boolean): BackfillPageMessage | undefined {
    const index = this.messages.findIndex((m) => m.message.kind === 'backfill-page' && predicate(m.message));
    return index === -1 ? undefined : (this.messages.splice(index, 1)[0]!.message as BackfillPageMessage);
  }
}

/** A clock the test moves: unix milliseconds. */
export interface TestClock {
  now: number;
}

/**
 * In-process dependencies on `queue`, whose clock reads `clock.now`, and whose schedules visit only
 * `workspaceId` (other tests' workspaces share the table). `replace` swaps more parts, as in
 * {@link inProcessDependencies}.
 */
export function syncDependencies(
  queue: SyncQueue,
  workspaceId: string,
  clock: TestClock,
  replace: (deps: Dependencies) => Partial<Dependencies> = () => ({}),
): Dependencies {
  return inProcessDependencies((deps) => ({
    contactSync: Object.assign(Object.create(deps.contactSync) as typeof deps.contactSync, {
      listEnabled: async () => (await deps.contactSync.listEnabled()).filter((sync) => sync.workspaceId === workspaceId),
    }),
    syncQueue: queue,
    clock: () => new Date(clock.now),
    config: { ...deps.config, CONTACTS_RECONCILE_RATE: 'rate(1 day)' },
    ...replace(deps),
  }));
}

/**
 * Processes the workspace's queued messages, oldest first, until none is left: each in an
 * invocation with a minute left by the dependencies' clock. Delays are not waited for. Returns how
 * many messages of each kind were processed, and their outcomes.
 */
export async function drainWorkspace(
  deps: Dependencies,
  queue: MemoryQueue,
  workspaceId: string,
  { maxMessages = 5_000 }: { maxMessages?: number } = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let processed = 0; ; processed += 1) {
    const index = queue.messages.findIndex((m) => m.message.workspaceId === workspaceId);
    if (index === -1) return counts;
    if (processed >= maxMessages) throw new Error(`still ${queue.messages.length} message(s) queued after ${maxMessages}`);
    const { message } = queue.messages.splice(index, 1)[0]!;
    const outcome = await processSyncMessage(deps, message, new Date(deps.clock().getTime() + 60_000));
    const key = `${message.kind}:${outcome}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
}

/**
 * Plays AWS's part that DynamoDB Local leaves out: deletes the items of the workspace (and the
 * Intercom workspace's rate budget) whose TTL (`expiresAt`) has passed at `now`, as AWS does
 * within about two days of their expiry. Returns how many it deleted, by kind of item.
 */
export async function sweepExpiredItems(workspaceId: string, appId: string, now: Date): Promise<Record<string, number>> {
  const swept: Record<string, number> = {};
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: stack.tableName,
        FilterExpression: '#expiresAt < :now AND (#pk = :workspace OR begins_with(#pk, :workspaceParts) OR #pk = :app)',
        ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#pk': 'pk' },
        ExpressionAttributeValues: {
          ':now': Math.floor(now.getTime() / 1000),
          ':workspace': `WORKSPACE#${workspaceId}`,
          ':workspaceParts': `WORKSPACE#${workspaceId}#`,
          ':app': `INTERCOM_APP#${appId}`,
        },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      await dynamo.send(new DeleteCommand({ TableName: stack.tableName, Key: { pk: item.pk, sk: item.sk } }));
      const kind = String(item.sk).split('#')[0]!;
      swept[kind] = (swept[kind] ?? 0) + 1;
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return swept;
}
