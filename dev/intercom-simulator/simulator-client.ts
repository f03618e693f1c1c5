import type {
  AddPartInput,
  BuildWebhookInput,
  CanvasInitializeInput,
  CanvasSubmitInput,
  ContactActionInput,
  CreateAdminInput,
  CreateContactInput,
  CreateConversationInput,
  CreateTagsInput,
  CreateTokenInput,
  CreateWorkspaceInput,
  DeliverBatchInput,
  DeliverWebhookInput,
  DeliveryFilter,
  DropAnswerInput,
  FailNextInput,
  FaultSettingsInput,
  InstallInput,
  MergeContactsInput,
  OAuthClientInput,
  RateLimitInput,
  RedactInput,
  SeedContactsInput,
  SeedConversationsInput,
  TagConversationInput,
  UpdateContactInput,
  UpdateWorkspaceInput,
  WebhookSubscriptionInput,
} from './control.schema';
import type {
  AddPartResult,
  AdminSummary,
  AppliedTag,
  BuiltWebhook,
  ClockSummary,
  ConversationSummary,
  CreatedWorkspace,
  DeliverBatchResult,
  DeliverResult,
  DeliveryAttempt,
  DeliveryDetail,
  DeliveryList,
  DeliverySummary,
  FaultSnapshot,
  InstallationsSummary,
  OAuthClientSummary,
  RateLimitSettings,
  SeedContactsResult,
  StatsSnapshot,
  SubscriptionSummary,
  TagSummary,
  TokenSummary,
  WorkspaceSummary,
} from './control.types';

import type { CanvasExchange } from './canvas-requests';

/** A contact in Intercom's REST wire shape. */
export type IntercomContactJson = Record<string, unknown> & { id: string; updated_at: number; created_at: number };

/** A control-API call that did not succeed. */
export class SimulatorClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorClientError';
  }
}

/** The result of driving the consent form without a browser. */
export interface AuthorizeResult {
  /** The full redirect target. */
  location: string;
  code: string | null;
  state: string | null;
  error: string | null;
}

/** Typed wrappers for the simulator's control API (`/_sim/...`). */
export class SimulatorClient {
  constructor(readonly baseUrl: string) {}

  health(): Promise<{ ok: boolean }> {
    return this.call('GET', '/_sim/health');
  }

  // Workspaces and tokens

  createWorkspace(input: CreateWorkspaceInput = {}): Promise<CreatedWorkspace> {
    return this.call('POST', '/_sim/workspaces', input);
  }

  listWorkspaces(): Promise<{ workspaces: WorkspaceSummary[] }> {
    return this.call('GET', '/_sim/workspaces');
  }

  getWorkspace(appId: string): Promise<WorkspaceSummary> {
    return this.call('GET', this.ws(appId));
  }

  updateWorkspace(appId: string, input: UpdateWorkspaceInput): Promise<WorkspaceSummary> {
    return this.call('PATCH', this.ws(appId), input);
  }

  deleteWorkspace(appId: string): Promise<{ deleted: boolean }> {
    return this.call('DELETE', this.ws(appId));
  }

  /** Clears contacts, conversations, tags, statistics, faults and rate-limit counts. */
  resetWorkspace(appId: string): Promise<WorkspaceSummary> {
    return this.call('POST', `${this.ws(appId)}/reset`);
  }

  createToken(appId: string, input: CreateTokenInput = {}): Promise<TokenSummary> {
    return this.call('POST', `${this.ws(appId)}/tokens`, input);
  }

  listTokens(appId: string): Promise<{ tokens: TokenSummary[] }> {
    return this.call('GET', `${this.ws(appId)}/tokens`);
  }

  revokeToken(appId: string, token: string): Promise<TokenSummary> {
    return this.call('POST', `${this.ws(appId)}/tokens/revoke`, { token });
  }

  createAdmin(appId: string, input: CreateAdminInput = {}): Promise<AdminSummary> {
    return this.call('POST', `${this.ws(appId)}/admins`, input);
  }

  createTags(appId: string, input: CreateTagsInput): Promise<{ tags: TagSummary[] }> {
    return this.call('POST', `${this.ws(appId)}/tags`, input);
  }

  // Contacts

  seedContacts(appId: string, input: SeedContactsInput): Promise<SeedContactsResult> {
    return this.call('POST', `${this.ws(appId)}/contacts/seed`, input);
  }

  createContact(appId: string, input: CreateContactInput = {}): Promise<IntercomContactJson> {
    return this.call('POST', `${this.ws(appId)}/contacts`, input);
  }

  getContact(appId: string, contactId: string): Promise<IntercomContactJson> {
    return this.call('GET', `${this.ws(appId)}/contacts/${encodeURIComponent(contactId)}`);
  }

  /** Changes a contact; its updated_at moves to now unless `updatedAt` is given. */
  updateContact(appId: string, contactId: string, input: UpdateContactInput = {}): Promise<IntercomContactJson> {
    return this.call('PATCH', `${this.ws(appId)}/contacts/${encodeURIComponent(contactId)}`, input);
  }

  deleteContact(appId: string, contactId: string, input: ContactActionInput = {}): Promise<{ id: string; external_id: string | null; deleted: true }> {
    return this.call('DELETE', `${this.ws(appId)}/contacts/${encodeURIComponent(contactId)}`, input);
  }

  /** Takes the contact out of list and search; `GET /contacts/{id}` still answers it. */
  archiveContact(appId: string, contactId: string, input: ContactActionInput = {}): Promise<IntercomContactJson> {
    return this.call('POST', `${this.ws(appId)}/contacts/${encodeURIComponent(contactId)}/archive`, input);
  }

  unarchiveContact(appId: string, contactId: string, input: ContactActionInput = {}): Promise<IntercomContactJson> {
    return this.call('POST', `${this.ws(appId)}/contacts/${encodeURIComponent(contactId)}/unarchive`, input);
  }

  /** Merges a lead into a user; answers the user. */
  mergeContacts(appId: string, input: MergeContactsInput): Promise<IntercomContactJson> {
    return this.call('POST', `${this.ws(appId)}/contacts/merge`, input);
  }

  // Conversations

  seedConversations(appId: string, input: SeedConversationsInput): Promise<{ conversations: ConversationSummary[] }> {
    return this.call('POST', `${this.ws(appId)}/conversations/seed`, input);
  }

  createConversation(appId: string, input: CreateConversationInput = {}): Promise<ConversationSummary> {
    return this.call('POST', `${this.ws(appId)}/conversations`, input);
  }

  getConversation(appId: string, conversationId: string): Promise<ConversationSummary> {
    return this.call('GET', this.conversation(appId, conversationId));
  }

  deleteConversation(appId: string, conversationId: string): Promise<{ deleted: boolean }> {
    return this.call('DELETE', this.conversation(appId, conversationId));
  }

  addPart(appId: string, conversationId: string, input: AddPartInput): Promise<AddPartResult> {
    return this.call('POST', `${this.conversation(appId, conversationId)}/parts`, input);
  }

  tagConversation(appId: string, conversationId: string, input: TagConversationInput): Promise<AppliedTag> {
    return this.call('POST', `${this.conversation(appId, conversationId)}/tags`, input);
  }

  untagConversation(appId: string, conversationId: string, tagId: string): Promise<{ removed: boolean }> {
    return this.call('DELETE', `${this.conversation(appId, conversationId)}/tags/${encodeURIComponent(tagId)}`);
  }

  redact(appId: string, conversationId: string, input: RedactInput): Promise<{ partId: string }> {
    return this.call('POST', `${this.conversation(appId, conversationId)}/redact`, input);
  }

  // The inbox app (Canvas Kit)

  /** Sends a signed `initialize` request for the conversation to `url`, as a teammate's inbox would; answers the service's reply. */
  canvasInitialize(appId: string, input: CanvasInitializeInput): Promise<CanvasExchange> {
    return this.call('POST', `${this.ws(appId)}/canvas/initialize`, input);
  }

  /** Sends a signed `submit` request (a click on `componentId` with `inputValues`); answers the service's reply. */
  canvasSubmit(appId: string, input: CanvasSubmitInput): Promise<CanvasExchange> {
    return this.call('POST', `${this.ws(appId)}/canvas/submit`, input);
  }

  // Faults, rate limits, statistics (workspace scope, or global when appId is null)

  getFaults(appId: string | null): Promise<FaultSnapshot> {
    return this.call('GET', `${this.scope(appId)}/faults`);
  }

  setFaults(appId: string | null, settings: FaultSettingsInput): Promise<FaultSnapshot> {
    return this.call('PUT', `${this.scope(appId)}/faults`, settings);
  }

  failNext(appId: string | null, rule: FailNextInput): Promise<FaultSnapshot> {
    return this.call('POST', `${this.scope(appId)}/faults/fail-next`, rule);
  }

  /** The next `count` matching requests take effect, and their answers are lost (a reset connection or a 500). */
  dropAnswer(appId: string | null, rule: DropAnswerInput): Promise<FaultSnapshot> {
    return this.call('POST', `${this.scope(appId)}/faults/drop-answer`, rule);
  }

  clearFaults(appId: string | null): Promise<FaultSnapshot> {
    return this.call('DELETE', `${this.scope(appId)}/faults`);
  }

  setRateLimit(appId: string, input: RateLimitInput): Promise<RateLimitSettings> {
    return this.call('PUT', `${this.ws(appId)}/rate-limit`, input);
  }

  getStats(appId: string | null): Promise<StatsSnapshot> {
    return this.call('GET', `${this.scope(appId)}/stats`);
  }

  resetStats(appId: string | null): Promise<StatsSnapshot> {
    return this.call('DELETE', `${this.scope(appId)}/stats`);
  }

  // OAuth

  createOAuthClient(input: OAuthClientInput = {}): Promise<OAuthClientSummary> {
    return this.call('POST', '/_sim/oauth/clients', input);
  }

  /** Submits the consent form as a user clicking Authorize (or Cancel) would, without following the redirect. */
  async authorize(input: {
    clientId: string;
    appId: string;
    redirectUri?: string;
    state?: string;
    decision?: 'authorize' | 'cancel';
  }): Promise<AuthorizeResult> {
    const form = new URLSearchParams({
      client_id: input.clientId,
      app_id: input.appId,
      redirect_uri: input.redirectUri ?? '',
      state: input.state ?? '',
      decision: input.decision ?? 'authorize',
    });
    const response = await fetch(`${this.baseUrl}/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) {
      throw new SimulatorClientError(response.status, 'authorize_failed', await response.text());
    }
    const params = new URL(location).searchParams;
    return { location, code: params.get('code'), state: params.get('state'), error: params.get('error') };
  }

  /** Installs the OAuth app in the workspace without the consent flow; answers the OAuth token. */
  installOAuthApp(clientId: string, input: InstallInput): Promise<TokenSummary> {
    return this.call('POST', `${this.oauthClient(clientId)}/installs`, input);
  }

  oauthInstallations(clientId: string): Promise<InstallationsSummary> {
    return this.call('GET', `${this.oauthClient(clientId)}/installs`);
  }

  // Webhook subscriptions: a workspace's private app (by appId) or an OAuth app (by clientId)

  /** Saves the private app's subscription once its URL answers HEAD with 2xx. */
  setWebhookSubscription(appId: string, input: WebhookSubscriptionInput): Promise<SubscriptionSummary> {
    return this.call('PUT', `${this.ws(appId)}/webhook-subscription`, input);
  }

  getWebhookSubscription(appId: string): Promise<SubscriptionSummary> {
    return this.call('GET', `${this.ws(appId)}/webhook-subscription`);
  }

  deleteWebhookSubscription(appId: string): Promise<{ deleted: boolean }> {
    return this.call('DELETE', `${this.ws(appId)}/webhook-subscription`);
  }

  pingWebhookSubscription(appId: string, message?: string): Promise<DeliverySummary> {
    return this.call('POST', `${this.ws(appId)}/webhook-subscription/ping`, { message });
  }

  /** Saves the OAuth app's one subscription, which hears about every workspace it is installed in. */
  setOAuthWebhookSubscription(clientId: string, input: WebhookSubscriptionInput): Promise<SubscriptionSummary> {
    return this.call('PUT', `${this.oauthClient(clientId)}/webhook-subscription`, input);
  }

  getOAuthWebhookSubscription(clientId: string): Promise<SubscriptionSummary> {
    return this.call('GET', `${this.oauthClient(clientId)}/webhook-subscription`);
  }

  deleteOAuthWebhookSubscription(clientId: string): Promise<{ deleted: boolean }> {
    return this.call('DELETE', `${this.oauthClient(clientId)}/webhook-subscription`);
  }

  /** A ping through the OAuth app's subscription, with `app_id` set to `appId`. */
  pingOAuthWebhookSubscription(clientId: string, appId: string, message?: string): Promise<DeliverySummary> {
    return this.call('POST', `${this.oauthClient(clientId)}/webhook-subscription/ping`, { appId, message });
  }

  /** The delivery log, oldest first, with counts per status. */
  webhookDeliveries(filter: DeliveryFilter = {}): Promise<DeliveryList> {
    const query = new URLSearchParams(
      Object.entries(filter)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]): [string, string] => [key, String(value)]),
    ).toString();
    return this.call('GET', `/_sim/webhooks/deliveries${query ? `?${query}` : ''}`);
  }

  /** One delivery with the envelope as first sent. */
  webhookDelivery(deliveryId: string): Promise<DeliveryDetail> {
    return this.call('GET', `/_sim/webhooks/deliveries/${encodeURIComponent(deliveryId)}`);
  }

  clearWebhookDeliveries(): Promise<{ cleared: boolean }> {
    return this.call('DELETE', '/_sim/webhooks/deliveries');
  }

  /** Sends a logged notification again as first built (a late delivery), to `url` or the subscription's URL. */
  replayWebhookDelivery(deliveryId: string, url?: string): Promise<DeliveryAttempt> {
    return this.call('POST', `/_sim/webhooks/deliveries/${encodeURIComponent(deliveryId)}/replay`, { url });
  }

  /** Fires every retry due by now without moving the clock. */
  flushWebhooks(): Promise<ClockSummary> {
    return this.call('POST', '/_sim/webhooks/flush');
  }

  // The clock

  getClock(): Promise<ClockSummary> {
    return this.call('GET', '/_sim/clock');
  }

  /** Stops the clock at `now` (unix seconds), firing the retries due on the way when it moves forward. */
  setClock(now: number): Promise<ClockSummary> {
    return this.call('PUT', '/_sim/clock', { now });
  }

  /** Moves the clock forward (stopping it first if it follows real time); due retries fire inside the call. */
  advanceClock(seconds: number): Promise<ClockSummary> {
    return this.call('POST', '/_sim/clock/advance', { seconds });
  }

  /** Lets the clock follow real time again. */
  releaseClock(): Promise<ClockSummary> {
    return this.call('DELETE', '/_sim/clock');
  }

  // Webhooks built and sent by hand

  buildWebhook(input: BuildWebhookInput): Promise<BuiltWebhook> {
    return this.call('POST', '/_sim/webhooks/build', input);
  }

  deliverWebhook(input: DeliverWebhookInput): Promise<DeliverResult> {
    return this.call('POST', '/_sim/webhooks/deliver', input);
  }

  deliverWebhookBatch(input: DeliverBatchInput): Promise<DeliverBatchResult> {
    return this.call('POST', '/_sim/webhooks/deliver-batch', input);
  }

  private ws(appId: string): string {
    return `/_sim/workspaces/${encodeURIComponent(appId)}`;
  }

  private oauthClient(clientId: string): string {
    return `/_sim/oauth/clients/${encodeURIComponent(clientId)}`;
  }

  private scope(appId: string | null): string {
    return appId === null ? '/_sim' : this.ws(appId);
  }

  private conversation(appId: string, conversationId: string): string {
    return `${this.ws(appId)}/conversations/${encodeURIComponent(conversationId)}`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new SimulatorClientError(response.status, error?.code ?? 'unknown', error?.message ?? text);
    }
    return parsed as T;
  }
}
