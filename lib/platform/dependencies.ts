import type { SyncQueue } from '../contacts/sync-queue';
import type { CatchupQueue } from '../feedback/catchup-queue';
import type { WriteBackQueue } from '../feedback/write-back-queue';
import { IntercomClient, type IntercomTiming } from '../intercom/client';
import { FeedbackCatchupStore } from '../store/catchup-store';
import { ContactStore, ContactSyncStore } from '../store/contact-store';
import { ConnectionStore } from '../store/connection-store';
import { FeedbackStore } from '../store/feedback-store';
import type { Table } from '../store/table';
import { WriteBackStore } from '../store/write-back-store';
import { createAdminVerifier, type AdminVerifier } from './admin-auth';
import { dynamoDocumentClient, secretsManagerClient, sqsClient } from './aws-clients';
import { getConfig, type Config } from './config';
import { SecretStore } from './secret-store';
import { SqsBatchQueue } from './sqs-batch-queue';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** The ports every use case may ask for. Tests build their own; Lambdas use {@link dependencies}. */
export interface Dependencies {
  config: Config;
  table: Table;
  connections: ConnectionStore;
  feedback: FeedbackStore;
  feedbackCatchup: FeedbackCatchupStore;
  contacts: ContactStore;
  contactSync: ContactSyncStore;
  /** The contacts backfill queue: backfill and incremental sync pages. */
  syncQueue: SyncQueue;
  /** The feedback catch-up queue: one workspace's run per message. */
  catchupQueue: CatchupQueue;
  /** Link-back notes of new tickets, and the write-back queue that posts them. */
  writeBacks: WriteBackStore;
  writeBackQueue: WriteBackQueue;
  secrets: SecretStore;
  /** Bound to the US host; `forRegion` gives the client of a workspace's region. */
  intercom: IntercomClient;
  sqs: SQSClient;
  clock: () => Date;
}

let wired: Dependencies | undefined;
let canvasWired: Dependencies | undefined;
let verifier: AdminVerifier | undefined;

/** The real dependencies, wired once per Lambda container. */
export function dependencies(): Dependencies {
  if (!wired) {
    const config = getConfig();
    const table: Table = { client: dynamoDocumentClient(), name: config.TABLE_NAME };
    wired = {
      config,
      table,
      connections: new ConnectionStore(table),
      feedback: new FeedbackStore(table),
      feedbackCatchup: new FeedbackCatchupStore(table),
      contacts: new ContactStore(table),
      contactSync: new ContactSyncStore(table),
      syncQueue: new SqsBatchQueue(sqsClient(), config.BACKFILL_QUEUE_URL, 'contact sync'),
      catchupQueue: new SqsBatchQueue(sqsClient(), config.FEEDBACK_CATCHUP_QUEUE_URL, 'catch-up'),
      writeBacks: new WriteBackStore(table),
      writeBackQueue: new SqsBatchQueue(sqsClient(), config.WRITE_BACK_QUEUE_URL, 'write-back'),
      secrets: new SecretStore(secretsManagerClient()),
      intercom: intercomClient(config),
      sqs: sqsClient(),
      clock: () => new Date(),
    };
  }
  return wired;
}

/**
 * The inbox app's Intercom calls: one attempt with a short timeout and no waiting on a rate limit,
 * so a submit answers well inside the time Intercom gives the card, even when Intercom is slow
 * (at most two such calls per submit: lib/feedback/send-conversation.ts).
 */
export const CANVAS_INTERCOM_TIMING: IntercomTiming = { timeoutMs: 2_000, maxRetries: 0, maxRateLimitWaitMs: 0 };

/** The real dependencies for the inbox app's canvas routes: Intercom calls with its short timing. */
export function canvasDependencies(): Dependencies {
  canvasWired ??= { ...dependencies(), intercom: intercomClient(getConfig(), CANVAS_INTERCOM_TIMING) };
  return canvasWired;
}

/** The Intercom client of every region's host; `timing` overrides the default attempt timeout and retries. */
export function intercomClient(config: Config, timing: IntercomTiming = {}): IntercomClient {
  return new IntercomClient({
    baseUrl: config.INTERCOM_API_BASE_URL,
    regionBaseUrls: { EU: config.INTERCOM_API_BASE_URL_EU, AU: config.INTERCOM_API_BASE_URL_AU },
    version: config.INTERCOM_VERSION,
    ...timing,
  });
}

/** The admin JWT verifier, built once per container. */
export function adminVerifier(): AdminVerifier {
  verifier ??= createAdminVerifier(getConfig());
  return verifier;
}
