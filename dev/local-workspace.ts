import { PERMISSIONS } from '../lib/connect/permissions';
import { CONTACT_TOPICS, FEEDBACK_TOPICS } from '../lib/events/topics';
import type { SimulatorClient } from './intercom-simulator';
import type { ConversationSummary, Permission, SubscriptionSummary, TagSummary } from './intercom-simulator';

const utc = (iso: string): number => Date.parse(iso) / 1000;

/**
 * The Intercom workspace `npm start` seeds into the simulator. Everything is fixed (app id, client
 * secret, seeds and times), so a fresh simulator gets the same tags, conversations and contacts,
 * ids included, on every start; only the access token is new each time.
 */
export const LOCAL_WORKSPACE = {
  appId: 'acme-support',
  name: 'Acme Support',
  /** Signs the webhooks of the workspace's app; a local value, not a secret. */
  clientSecret: 'acme-support-local-client-secret',
  /** The permissions the setup steps ask for, plus the optional one for writing back to conversations. */
  permissions: [...Object.values(PERMISSIONS), 'Write conversations'] satisfies Permission[],
  tags: ['Feature request', 'Bug', 'Praise'],
  contacts: { count: 300, seed: 42, startAt: utc('2025-01-01T00:00:00Z'), endAt: utc('2025-12-31T23:59:59Z') },
  conversations: { count: 5, seed: 7, startAt: utc('2026-01-05T00:00:00Z'), endAt: utc('2026-01-11T23:59:59Z') },
  createdAt: utc('2024-06-03T09:00:00Z'),
} as const;

/** The Timebook workspace `npm start` mints its dev admin JWT for. */
export const LOCAL_TIMEBOOK_WORKSPACE_ID = 'ws_demo';

/** The Timebook product the console lists locally (the demo and the README use it too). */
export const LOCAL_PRODUCT = { id: 'mobile-app', name: 'Mobile app' };

/** The webhook topics the service handles: what the workspace's app subscribes to. */
export const LOCAL_WEBHOOK_TOPICS = [...FEEDBACK_TOPICS, ...CONTACT_TOPICS];

export interface SeededWorkspace {
  appId: string;
  name: string;
  accessToken: string;
  clientSecret: string;
  tags: TagSummary[];
  conversations: ConversationSummary[];
  contactCount: number;
}

/** Creates the local workspace in the simulator with its token, tags, contacts and conversations. */
export async function seedLocalWorkspace(simulator: SimulatorClient, appId: string = LOCAL_WORKSPACE.appId): Promise<SeededWorkspace> {
  const workspace = await simulator.createWorkspace({
    idCode: appId,
    name: LOCAL_WORKSPACE.name,
    region: 'US',
    clientSecret: LOCAL_WORKSPACE.clientSecret,
    createdAt: LOCAL_WORKSPACE.createdAt,
    tokenPermissions: [...LOCAL_WORKSPACE.permissions],
  });
  const { tags } = await simulator.createTags(appId, { names: [...LOCAL_WORKSPACE.tags] });
  // Conversations pick their customers among the contacts, so the contacts come first.
  const contacts = await simulator.seedContacts(appId, { ...LOCAL_WORKSPACE.contacts });
  const { conversations } = await simulator.seedConversations(appId, { ...LOCAL_WORKSPACE.conversations });
  return {
    appId,
    name: workspace.name,
    accessToken: workspace.accessToken,
    clientSecret: workspace.clientSecret,
    tags,
    conversations,
    contactCount: contacts.total,
  };
}

/**
 * Subscribes the workspace's app to the service's topics at `webhookUrl` (the one
 * `PUT .../intercom/webhook-secret` answers). From then on every change made through the
 * simulator's control API is delivered there by itself.
 */
export function subscribeLocalWorkspace(
  simulator: SimulatorClient,
  webhookUrl: string,
  appId: string = LOCAL_WORKSPACE.appId,
): Promise<SubscriptionSummary> {
  return simulator.setWebhookSubscription(appId, { url: webhookUrl, topics: LOCAL_WEBHOOK_TOPICS });
}
