import { IntercomClient } from '../../lib/intercom/client';
import type { Config } from '../../lib/platform/config';
import type { Dependencies } from '../../lib/platform/dependencies';
import { SecretStore } from '../../lib/platform/secret-store';
import { FeedbackCatchupStore } from '../../lib/store/catchup-store';
import { ConnectionStore } from '../../lib/store/connection-store';
import { ContactStore, ContactSyncStore } from '../../lib/store/contact-store';
import { FeedbackStore } from '../../lib/store/feedback-store';
import type { Table } from '../../lib/store/table';
import { WriteBackStore } from '../../lib/store/write-back-store';
import { dynamo, secretsManager, stack } from './local-stack';

/**
 * The service's dependencies in the test process, on the local stack's DynamoDB, Secrets Manager
 * and Intercom simulator, so a test can run use cases itself (and stop or break them at an exact
 * point, which the Lambda runtime gives no handle on). `replace` swaps the parts a test controls:
 * a queue of its own, a moved clock, a store that fails once. The queues and SQS are left out.
 */
export function inProcessDependencies(replace: (deps: Dependencies) => Partial<Dependencies> = () => ({})): Dependencies {
  const table: Table = { client: dynamo, name: stack.tableName };
  const deps: Dependencies = {
    config: { SECRETS_PREFIX: stack.secretsPrefix, APP_URL: stack.appUrl } as Config,
    table,
    connections: new ConnectionStore(table),
    feedback: new FeedbackStore(table),
    feedbackCatchup: new FeedbackCatchupStore(table),
    contacts: new ContactStore(table),
    contactSync: new ContactSyncStore(table),
    syncQueue: undefined as never,
    catchupQueue: undefined as never,
    writeBacks: new WriteBackStore(table),
    writeBackQueue: undefined as never,
    secrets: new SecretStore(secretsManager),
    intercom: new IntercomClient({ baseUrl: stack.intercomUrl, regionBaseUrls: stack.intercomRegionUrls, version: '2.16' }),
    sqs: undefined as never,
    clock: () => new Date(),
  };
  return { ...deps, ...replace(deps) };
}
