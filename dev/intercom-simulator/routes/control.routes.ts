import type { z } from 'zod';
import { contactView, deletedContactView } from '../contact.serializer';
import { ControlError } from '../control-error';
import {
  addPartSchema,
  advanceClockSchema,
  buildWebhookSchema,
  canvasInitializeSchema,
  canvasSubmitSchema,
  contactActionSchema,
  createAdminSchema,
  createContactSchema,
  createConversationSchema,
  createTagsSchema,
  createTokenSchema,
  createWorkspaceSchema,
  deliverBatchSchema,
  deliverWebhookSchema,
  deliveryFilterSchema,
  dropAnswerSchema,
  failNextSchema,
  faultSettingsSchema,
  installSchema,
  mergeContactsSchema,
  oauthClientSchema,
  oauthPingSchema,
  pingSchema,
  rateLimitSchema,
  redactSchema,
  replaySchema,
  seedContactsSchema,
  seedConversationsSchema,
  setClockSchema,
  tagConversationSchema,
  updateContactSchema,
  updateWorkspaceSchema,
  webhookSubscriptionSchema,
} from '../control.schema';
import type {
  AppliedTag,
  ClockSummary,
  ConversationSummary,
  CreatedWorkspace,
  DeliverResult,
  PartSummary,
  TokenSummary,
  WorkspaceSummary,
} from '../control.types';
import type { FaultInjector } from '../fault-injector';
import { route, type Route } from '../http-kit';
import type { ContactRecord, ConversationRecord, ConversationTagRecord, PartRecord } from '../model';
import { createPrng, randomSeed } from '../prng';
import type { RequestStats } from '../request-stats';
import type { SimulatorState, TokenRecord } from '../simulator-state';
import { sendCanvasRequest } from '../canvas-requests';
import { deliverNotification } from '../webhook-delivery';
import { prepareNotification } from '../webhook-items';
import type { AppRef, DeliverySummary } from '../webhook-subscriptions';
import type { Workspace } from '../workspace';
import { changeAndNotify } from '../workspace-change';

/** The control API: JSON under `/_sim/`, no auth. See README.md for the list. */

export interface ControlContext {
  state: SimulatorState;
  params: Record<string, string>;
  body: unknown;
  query: URLSearchParams;
}

/** A non-200 answer from a control handler. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export type ControlHandler = (ctx: ControlContext) => unknown;

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw new ControlError(400, 'invalid_request', detail);
  }
  return result.data;
}

function workspaceSummary(workspace: Workspace): WorkspaceSummary {
  const { settings } = workspace;
  return {
    appId: settings.appId,
    name: settings.name,
    region: settings.region,
    strictRegion: settings.strictRegion,
    timezone: settings.timezone,
    createdAt: settings.createdAt,
    clientSecret: settings.clientSecret,
    missingPermissionStyle: settings.missingPermissionStyle,
    apiVersion: settings.apiVersion,
    tagTouchesUpdatedAt: settings.tagTouchesUpdatedAt,
    redactTouchesUpdatedAt: settings.redactTouchesUpdatedAt,
    admins: workspace.admins.map(({ id, name, email }) => ({ id, name, email })),
    botId: workspace.bot.id,
    counts: { contacts: workspace.contacts.size, conversations: workspace.conversations.size, tags: workspace.tags.size },
    rateLimit: workspace.rateLimiter.current(),
  };
}

function tokenSummary(token: TokenRecord): TokenSummary {
  return {
    token: token.token,
    appId: token.appId,
    kind: token.kind,
    permissions: [...token.permissions],
    adminId: token.adminId,
    clientId: token.clientId,
    revoked: token.revoked,
  };
}

function partSummary(part: PartRecord): PartSummary {
  return {
    id: part.id,
    partType: part.partType,
    authorType: part.author.type,
    authorId: part.author.id,
    body: part.body,
    redacted: part.redacted,
    tagIds: [...part.tagIds],
    createdAt: part.createdAt,
  };
}

function conversationSummary(conversation: ConversationRecord): ConversationSummary {
  return {
    id: conversation.id,
    sourceId: conversation.source.id,
    contactIds: [...conversation.contactIds],
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    title: conversation.title,
    state: conversation.state,
    tagIds: conversation.tags.map((tag) => tag.tagId),
    parts: conversation.parts.map(partSummary),
  };
}

function appliedTag(workspace: Workspace, record: ConversationTagRecord): AppliedTag {
  return {
    id: record.tagId,
    name: workspace.tag(record.tagId).name,
    appliedAt: record.appliedAt,
    appliedBy: { ...record.appliedBy },
    partId: record.partId,
  };
}

function restContact(workspace: Workspace, contact: ContactRecord): Record<string, unknown> {
  return contactView(contact, { appId: workspace.appId, apiVersion: workspace.settings.apiVersion, flavor: 'rest', tags: workspace.tags });
}

const ws = (ctx: ControlContext): Workspace => ctx.state.workspace(ctx.params.appId ?? '');

/**
 * Makes a change in the workspace, then notifies the webhook subscriptions of the events it
 * caused (unless `notify` is false) and answers once each notification's first attempt is answered.
 */
async function change<T>(ctx: ControlContext, workspace: Workspace, notify: boolean | undefined, run: () => T): Promise<T> {
  return (await changeAndNotify(ctx.state, workspace, notify, run)).result;
}

const privateApp = (ctx: ControlContext): AppRef => ({ type: 'private', appId: ws(ctx).appId });
const oauthApp = (ctx: ControlContext): AppRef => ({ type: 'oauth', clientId: ctx.state.oauthClient(ctx.params.clientId ?? '').clientId });

function clockSummary(state: SimulatorState, fired: DeliverySummary[] = []): ClockSummary {
  return { now: state.clock.now(), frozen: state.clock.frozen, pendingRetries: state.webhooks.pendingRetries, fired };
}

/** A webhook subscription's routes for one kind of app. */
function subscriptionRoutes(
  prefix: string,
  app: (ctx: ControlContext) => AppRef,
  ping: (ctx: ControlContext) => { appId: string; message?: string },
): Route<ControlHandler>[] {
  return [
    route('PUT', `${prefix}/webhook-subscription`, (ctx: ControlContext) =>
      ctx.state.webhooks.subscribe(app(ctx), parse(webhookSubscriptionSchema, ctx.body)),
    ),
    route('GET', `${prefix}/webhook-subscription`, (ctx: ControlContext) => ctx.state.webhooks.subscription(app(ctx))),
    route('DELETE', `${prefix}/webhook-subscription`, (ctx: ControlContext) => ({ deleted: ctx.state.webhooks.unsubscribe(app(ctx)) })),
    route('POST', `${prefix}/webhook-subscription/ping`, (ctx: ControlContext) => {
      const { appId, message } = ping(ctx);
      return ctx.state.webhooks.ping(app(ctx), appId, message);
    }),
  ];
}

/** Routes for one fault scope (a workspace's or the global one). */
function faultRoutes(prefix: string, faults: (ctx: ControlContext) => FaultInjector): Route<ControlHandler>[] {
  return [
    route('GET', `${prefix}/faults`, (ctx: ControlContext) => faults(ctx).snapshot()),
    route('PUT', `${prefix}/faults`, (ctx: ControlContext) => {
      const injector = faults(ctx);
      injector.configure(parse(faultSettingsSchema, ctx.body));
      return injector.snapshot();
    }),
    route('POST', `${prefix}/faults/fail-next`, (ctx: ControlContext) => {
      const injector = faults(ctx);
      injector.addFailNext(parse(failNextSchema, ctx.body));
      return injector.snapshot();
    }),
    route('POST', `${prefix}/faults/drop-answer`, (ctx: ControlContext) => {
      const injector = faults(ctx);
      injector.addDropAnswer(parse(dropAnswerSchema, ctx.body));
      return injector.snapshot();
    }),
    route('DELETE', `${prefix}/faults`, (ctx: ControlContext) => {
      const injector = faults(ctx);
      injector.clear();
      return injector.snapshot();
    }),
  ];
}

function statsRoutes(prefix: string, stats: (ctx: ControlContext) => RequestStats): Route<ControlHandler>[] {
  return [
    route('GET', `${prefix}/stats`, (ctx: ControlContext) => stats(ctx).snapshot()),
    route('DELETE', `${prefix}/stats`, (ctx: ControlContext) => {
      stats(ctx).reset();
      return stats(ctx).snapshot();
    }),
  ];
}

async function deliver(
  state: SimulatorState,
  request: z.output<typeof buildWebhookSchema>,
  url: string,
  times: number | undefined,
  timeoutMs: number | undefined,
): Promise<DeliverResult> {
  const notification = prepareNotification(state.workspace(request.appId), request, request.secret);
  const deliveries = await deliverNotification(url, notification, times, timeoutMs);
  return { ...notification, url, deliveries };
}

const W = '/_sim/workspaces/:appId';

export const controlRoutes: Route<ControlHandler>[] = [
  route('GET', '/_sim/health', () => ({ ok: true })),

  // Workspaces and tokens
  route('POST', '/_sim/workspaces', (ctx: ControlContext) => {
    const { workspace, token } = ctx.state.createWorkspace(parse(createWorkspaceSchema, ctx.body));
    const created: CreatedWorkspace = { ...workspaceSummary(workspace), accessToken: token.token };
    return new Reply(201, created);
  }),
  route('GET', '/_sim/workspaces', (ctx: ControlContext) => ({
    workspaces: [...ctx.state.workspaces.values()].map(workspaceSummary),
  })),
  route('GET', W, (ctx: ControlContext) => workspaceSummary(ws(ctx))),
  route('PATCH', W, (ctx: ControlContext) => {
    const workspace = ws(ctx);
    workspace.update(parse(updateWorkspaceSchema, ctx.body));
    return workspaceSummary(workspace);
  }),
  route('DELETE', W, (ctx: ControlContext) => {
    ctx.state.deleteWorkspace(ctx.params.appId ?? '');
    return { deleted: true };
  }),
  route('POST', `${W}/reset`, (ctx: ControlContext) => {
    const workspace = ws(ctx);
    workspace.reset();
    return workspaceSummary(workspace);
  }),
  route('POST', `${W}/tokens`, (ctx: ControlContext) =>
    new Reply(201, tokenSummary(ctx.state.issueToken(ws(ctx).appId, parse(createTokenSchema, ctx.body)))),
  ),
  route('GET', `${W}/tokens`, (ctx: ControlContext) => {
    const appId = ws(ctx).appId;
    return { tokens: [...ctx.state.tokens.values()].filter((token) => token.appId === appId).map(tokenSummary) };
  }),
  route('POST', `${W}/tokens/revoke`, (ctx: ControlContext) => {
    const { token } = (ctx.body ?? {}) as { token?: unknown };
    const record = typeof token === 'string' ? ctx.state.tokens.get(token) : undefined;
    if (!record || record.appId !== ws(ctx).appId) throw new ControlError(404, 'not_found', 'Unknown token');
    ctx.state.revokeToken(record.token);
    return tokenSummary(record);
  }),
  route('POST', `${W}/admins`, (ctx: ControlContext) => {
    const { id, name, email } = ws(ctx).addAdmin(parse(createAdminSchema, ctx.body));
    return new Reply(201, { id, name, email });
  }),
  route('POST', `${W}/tags`, (ctx: ControlContext) => ({
    tags: ws(ctx).addTags(parse(createTagsSchema, ctx.body)).map(({ id, name }) => ({ id, name })),
  })),

  // Contacts
  route('POST', `${W}/contacts/seed`, (ctx: ControlContext) => ws(ctx).seedContacts(parse(seedContactsSchema, ctx.body))),
  route('POST', `${W}/contacts`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(createContactSchema, ctx.body);
    const contact = await change(ctx, workspace, input.notify, () => workspace.createContact(input));
    return new Reply(201, restContact(workspace, contact));
  }),
  route('POST', `${W}/contacts/merge`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(mergeContactsSchema, ctx.body);
    return restContact(workspace, await change(ctx, workspace, input.notify, () => workspace.mergeContacts(input)));
  }),
  route('GET', `${W}/contacts/:contactId`, (ctx: ControlContext) => {
    const workspace = ws(ctx);
    return restContact(workspace, workspace.contact(ctx.params.contactId ?? ''));
  }),
  route('PATCH', `${W}/contacts/:contactId`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(updateContactSchema, ctx.body);
    return restContact(workspace, await change(ctx, workspace, input.notify, () => workspace.updateContact(ctx.params.contactId ?? '', input)));
  }),
  route('DELETE', `${W}/contacts/:contactId`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(contactActionSchema, ctx.body);
    return deletedContactView(await change(ctx, workspace, input.notify, () => workspace.deleteContact(ctx.params.contactId ?? '')));
  }),
  route('POST', `${W}/contacts/:contactId/archive`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(contactActionSchema, ctx.body);
    return restContact(workspace, await change(ctx, workspace, input.notify, () => workspace.archiveContact(ctx.params.contactId ?? '')));
  }),
  route('POST', `${W}/contacts/:contactId/unarchive`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(contactActionSchema, ctx.body);
    return restContact(workspace, await change(ctx, workspace, input.notify, () => workspace.unarchiveContact(ctx.params.contactId ?? '')));
  }),

  // Conversations
  route('POST', `${W}/conversations/seed`, (ctx: ControlContext) => ({
    conversations: ws(ctx).seedConversations(parse(seedConversationsSchema, ctx.body)).map(conversationSummary),
  })),
  route('POST', `${W}/conversations`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(createConversationSchema, ctx.body);
    return new Reply(201, conversationSummary(await change(ctx, workspace, input.notify, () => workspace.createConversation(input))));
  }),
  route('GET', `${W}/conversations/:conversationId`, (ctx: ControlContext) =>
    conversationSummary(ws(ctx).conversation(ctx.params.conversationId ?? '')),
  ),
  route('DELETE', `${W}/conversations/:conversationId`, (ctx: ControlContext) => {
    ws(ctx).deleteConversation(ctx.params.conversationId ?? '');
    return { deleted: true };
  }),
  route('POST', `${W}/conversations/:conversationId/parts`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(addPartSchema, ctx.body);
    const { part, topic } = await change(ctx, workspace, input.notify, () => workspace.addPart(ctx.params.conversationId ?? '', input));
    return new Reply(201, { part: partSummary(part), topic });
  }),
  route('POST', `${W}/conversations/:conversationId/tags`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(tagConversationSchema, ctx.body);
    return appliedTag(workspace, await change(ctx, workspace, input.notify, () => workspace.tagConversation(ctx.params.conversationId ?? '', input)));
  }),
  route('DELETE', `${W}/conversations/:conversationId/tags/:tagId`, (ctx: ControlContext) => {
    ws(ctx).untagConversation(ctx.params.conversationId ?? '', ctx.params.tagId ?? '');
    return { removed: true };
  }),
  route('POST', `${W}/conversations/:conversationId/redact`, async (ctx: ControlContext) => {
    const workspace = ws(ctx);
    const input = parse(redactSchema, ctx.body);
    return change(ctx, workspace, input.notify, () => workspace.redact(ctx.params.conversationId ?? '', input));
  }),

  // The inbox app (Canvas Kit): signed requests as a teammate's inbox sends them
  route('POST', `${W}/canvas/initialize`, (ctx: ControlContext) => sendCanvasRequest(ctx.state, ws(ctx).appId, parse(canvasInitializeSchema, ctx.body))),
  route('POST', `${W}/canvas/submit`, (ctx: ControlContext) => {
    const input = parse(canvasSubmitSchema, ctx.body);
    return sendCanvasRequest(ctx.state, ws(ctx).appId, input, input);
  }),

  // Faults, rate limits, statistics
  ...faultRoutes(W, (ctx) => ws(ctx).faults),
  ...faultRoutes('/_sim', (ctx) => ctx.state.globalFaults),
  route('PUT', `${W}/rate-limit`, (ctx: ControlContext) => {
    const input = parse(rateLimitSchema, ctx.body);
    const limit = input.perMinute !== undefined ? Math.floor(input.perMinute / 6) : input.limit;
    const windowSeconds = input.perMinute !== undefined ? 10 : input.windowSeconds;
    return ws(ctx).rateLimiter.configure({
      ...(limit === undefined ? {} : { limit }),
      ...(windowSeconds === undefined ? {} : { windowSeconds }),
    });
  }),
  ...statsRoutes(W, (ctx) => ws(ctx).stats),
  ...statsRoutes('/_sim', (ctx) => ctx.state.globalStats),

  // OAuth clients
  route('POST', '/_sim/oauth/clients', (ctx: ControlContext) => new Reply(201, { ...ctx.state.registerOAuthClient(parse(oauthClientSchema, ctx.body)) })),
  route('POST', '/_sim/oauth/clients/:clientId/installs', (ctx: ControlContext) => {
    const { appId, adminId } = parse(installSchema, ctx.body);
    return new Reply(201, tokenSummary(ctx.state.install(ctx.params.clientId ?? '', appId, adminId)));
  }),
  route('GET', '/_sim/oauth/clients/:clientId/installs', (ctx: ControlContext) => ({
    appIds: ctx.state.installations(ctx.params.clientId ?? ''),
  })),

  // Webhook subscriptions, the delivery log and the clock
  ...subscriptionRoutes(W, privateApp, (ctx) => ({ appId: ws(ctx).appId, ...parse(pingSchema, ctx.body) })),
  ...subscriptionRoutes('/_sim/oauth/clients/:clientId', oauthApp, (ctx) => parse(oauthPingSchema, ctx.body)),
  route('GET', '/_sim/webhooks/deliveries', (ctx: ControlContext) =>
    ctx.state.webhooks.list(parse(deliveryFilterSchema, Object.fromEntries(ctx.query))),
  ),
  route('DELETE', '/_sim/webhooks/deliveries', (ctx: ControlContext) => {
    ctx.state.webhooks.clearLog();
    return { cleared: true };
  }),
  route('GET', '/_sim/webhooks/deliveries/:deliveryId', (ctx: ControlContext) => ctx.state.webhooks.delivery(ctx.params.deliveryId ?? '')),
  route('POST', '/_sim/webhooks/deliveries/:deliveryId/replay', (ctx: ControlContext) =>
    ctx.state.webhooks.replay(ctx.params.deliveryId ?? '', parse(replaySchema, ctx.body).url),
  ),
  route('POST', '/_sim/webhooks/flush', async (ctx: ControlContext) => clockSummary(ctx.state, await ctx.state.webhooks.flush())),
  route('GET', '/_sim/clock', (ctx: ControlContext) => clockSummary(ctx.state)),
  route('PUT', '/_sim/clock', async (ctx: ControlContext) =>
    clockSummary(ctx.state, await ctx.state.webhooks.setClock(parse(setClockSchema, ctx.body).now)),
  ),
  route('POST', '/_sim/clock/advance', async (ctx: ControlContext) =>
    clockSummary(ctx.state, await ctx.state.webhooks.advance(parse(advanceClockSchema, ctx.body).seconds)),
  ),
  route('DELETE', '/_sim/clock', (ctx: ControlContext) => {
    ctx.state.clock.release();
    return clockSummary(ctx.state);
  }),

  // Webhooks
  route('POST', '/_sim/webhooks/build', (ctx: ControlContext) => {
    const request = parse(buildWebhookSchema, ctx.body);
    return prepareNotification(ctx.state.workspace(request.appId), request, request.secret);
  }),
  route('POST', '/_sim/webhooks/deliver', async (ctx: ControlContext) => {
    const request = parse(deliverWebhookSchema, ctx.body);
    return deliver(ctx.state, request, request.url, request.times, request.timeoutMs);
  }),
  route('POST', '/_sim/webhooks/deliver-batch', async (ctx: ControlContext) => {
    const batch = parse(deliverBatchSchema, ctx.body);
    const requests = batch.notifications.map((notification) => {
      const appId = notification.appId ?? batch.appId;
      if (appId === undefined) throw new ControlError(400, 'invalid_request', 'every notification needs an appId');
      return { ...notification, appId, secret: batch.secret };
    });
    if (batch.order === 'shuffled') {
      const prng = createPrng(batch.seed ?? randomSeed());
      for (let i = requests.length - 1; i > 0; i--) {
        const j = prng.int(0, i);
        [requests[i], requests[j]] = [requests[j] as (typeof requests)[number], requests[i] as (typeof requests)[number]];
      }
    }
    // Build every envelope first, so all of them describe the same moment of state.
    const prepared = requests.map((request) => ({
      request,
      notification: prepareNotification(ctx.state.workspace(request.appId), request, request.secret),
    }));
    const results: DeliverResult[] = [];
    for (const { request, notification } of prepared) {
      const deliveries = await deliverNotification(batch.url, notification, request.times, batch.timeoutMs);
      results.push({ ...notification, url: batch.url, deliveries });
    }
    return { results };
  }),
];
