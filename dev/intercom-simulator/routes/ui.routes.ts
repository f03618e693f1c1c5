import type { z } from 'zod';
import { ControlError } from '../control-error';
import { escapeHtml, htmlToText } from '../html-text';
import { route, type Route } from '../http-kit';
import type { ConversationRecord, PartRecord, SourceRecord } from '../model';
import { simulatorPage } from '../sim-page';
import type { SimulatorState } from '../simulator-state';
import { contactForm, partForm, partKindsOnPage, pingForm, redactForm, subscribableTopics, subscribeForm, tagForm } from '../ui.schema';
import type { AppRef, DeliverySummary, SubscriptionSummary } from '../webhook-subscriptions';
import type { Workspace } from '../workspace';
import { changeAndNotify } from '../workspace-change';

/**
 * The simulator page (`/_sim/ui`): a workspace as a person sees it in Intercom, with plain HTML
 * forms. Each form posts, makes its change through the same state methods as the control API
 * (so the webhook subscriptions are notified by themselves) and answers 303 back to the page with
 * what was delivered; a form with bad input answers 400 with the page and the error, and changes
 * nothing. No script runs on the page.
 */

export interface UiContext {
  state: SimulatorState;
  params: Record<string, string>;
  query: URLSearchParams;
  form: URLSearchParams;
}

export type UiAnswer = { kind: 'page'; status: number; html: string } | { kind: 'redirect'; location: string };

export type UiHandler = (ctx: UiContext) => UiAnswer | Promise<UiAnswer>;

/** What a page shows above its content: the outcome of the last form, and the failed form's values to fill in again. */
interface Flash {
  notice?: string;
  error?: string;
  form?: URLSearchParams;
}

/** A form's input the page refuses, with the message it shows. */
class FormError extends Error {}

const UI = '/_sim/ui';
const wsPath = (appId: string): string => `${UI}/workspaces/${encodeURIComponent(appId)}`;
const conversationPath = (appId: string, conversationId: string): string => `${wsPath(appId)}/conversations/${encodeURIComponent(conversationId)}`;

const e = escapeHtml;

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A unix time as `2026-01-05 09:30:00 UTC`. */
const at = (seconds: number): string => `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** Text typed on the page as the HTML Intercom stores: paragraphs, with line breaks inside them. */
function textToHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${e(paragraph.trim()).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
}

function parseForm<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new FormError(result.error.issues.map((issue) => issue.message).join(' '));
  return result.data;
}

/** The form's fields, each once (the last value wins), as zod reads them. */
const fields = (form: URLSearchParams): Record<string, string> => Object.fromEntries(form);

const privateApp = (workspace: Workspace): AppRef => ({ type: 'private', appId: workspace.appId });

function subscriptionOf(state: SimulatorState, workspace: Workspace): SubscriptionSummary | null {
  try {
    return state.webhooks.subscription(privateApp(workspace));
  } catch (error) {
    if (error instanceof ControlError && error.status === 404) return null;
    throw error;
  }
}

/** What a form's change delivered, in a sentence. */
function deliveredSentence(deliveries: readonly DeliverySummary[], topic: string): string {
  if (deliveries.length === 0) return `No webhook subscription follows ${topic}, so nothing was delivered.`;
  return deliveries
    .map((delivery) => {
      const attempt = delivery.attempts.at(-1);
      const outcome = attempt?.status != null ? `answered ${attempt.status}` : attempt ? `failed (${attempt.error ?? 'no answer'})` : delivery.status;
      return `Webhook ${delivery.topic} delivered to ${delivery.url}: ${outcome}.`;
    })
    .join(' ');
}

// Rendering

const notices = (flash: Flash): string =>
  (flash.notice ? `<div class="notice" role="status"><p>${e(flash.notice)}</p></div>` : '') +
  (flash.error ? `<div class="error" role="alert"><p><strong>Not done:</strong> ${e(flash.error)}</p></div>` : '');

function clockLine(state: SimulatorState): string {
  return `<p class="muted">Simulator clock: ${at(state.clock.now())}${state.clock.frozen ? ' (stopped)' : ''}.</p>`;
}

function page(state: SimulatorState, title: string, breadcrumbs: string, content: string, flash: Flash, status = 200): UiAnswer {
  const html = simulatorPage({
    title,
    content: `<nav aria-label="Breadcrumb"><p>${breadcrumbs}</p></nav>\n${notices(flash)}\n${content}\n${clockLine(state)}`,
  });
  return { kind: 'page', status: flash.error ? status : 200, html };
}

function indexPage(state: SimulatorState): UiAnswer {
  const rows = [...state.workspaces.values()]
    .map(
      (workspace) =>
        `<tr><td><a href="${e(wsPath(workspace.appId))}">${e(workspace.settings.name)}</a></td><td>${e(workspace.appId)}</td>` +
        `<td>${workspace.settings.region}</td><td>${workspace.conversations.size}</td><td>${workspace.contacts.size}</td></tr>`,
    )
    .join('\n');
  const table =
    rows === ''
      ? '<p>No workspace yet. Create one with <code>POST /_sim/workspaces</code> (npm start seeds "Acme Support").</p>'
      : `<table><caption>Workspaces</caption><thead><tr><th scope="col">Name</th><th scope="col">App id</th><th scope="col">Region</th>` +
        `<th scope="col">Conversations</th><th scope="col">Contacts</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  return page(state, 'Workspaces', 'Workspaces', `<h1>Workspaces</h1>\n${table}`, {});
}

function deliveriesTable(state: SimulatorState, filter: { appId: string; conversationId?: string }, caption: string): string {
  const recent = state.webhooks.list(filter).deliveries.slice(-20).reverse();
  if (recent.length === 0) return `<p>${e(caption)}: none yet.</p>`;
  const rows = recent
    .map((delivery) => {
      const attempt = delivery.attempts.at(-1);
      const code = attempt?.status != null ? String(attempt.status) : attempt ? `no answer (${attempt.error ?? 'failed'})` : '–';
      const app = delivery.app.type === 'private' ? 'workspace app' : `OAuth app ${delivery.app.clientId}`;
      return (
        `<tr><td>${e(delivery.id)}</td><td>${at(delivery.createdAt)}</td><td>${e(delivery.topic)}</td><td>${e(app)}</td>` +
        `<td>${e(delivery.status)}${delivery.droppedBecause ? ` (${e(delivery.droppedBecause)})` : ''}</td><td>${e(code)}</td>` +
        `<td>${delivery.attempts.length}</td></tr>`
      );
    })
    .join('\n');
  return (
    `<table><caption>${e(caption)} (newest first, at most 20)</caption><thead><tr><th scope="col">Delivery</th><th scope="col">Created</th>` +
    `<th scope="col">Topic</th><th scope="col">App</th><th scope="col">Status</th><th scope="col">HTTP status</th><th scope="col">Attempts</th></tr></thead>` +
    `<tbody>\n${rows}\n</tbody></table>`
  );
}

function subscriptionSection(state: SimulatorState, workspace: Workspace, flash: Flash): string {
  const subscription = subscriptionOf(state, workspace);
  const base = wsPath(workspace.appId);
  const failed = flash.form?.has('url') ? flash.form : undefined;
  const url = failed?.get('url') ?? subscription?.url ?? '';
  const chosen = new Set<string>(failed ? failed.getAll('topics') : (subscription?.topics ?? subscribableTopics));
  const boxes = subscribableTopics
    .map((topic) => `<label><input type="checkbox" name="topics" value="${e(topic)}"${chosen.has(topic) ? ' checked' : ''}> ${e(topic)}</label>`)
    .join('\n');
  const status = subscription
    ? `<p>Subscribed: <strong>${e(subscription.url)}</strong>, ${subscription.state}` +
      `${subscription.pendingRetries > 0 ? `, ${subscription.pendingRetries} retries pending` : ''}; ` +
      `topics: ${subscription.topics.map(e).join(', ')}.</p>`
    : '<p>This workspace\'s app has no webhook subscription: nothing is delivered yet.</p>';
  const manage = subscription
    ? `<form method="post" action="${e(`${base}/webhook-subscription/ping`)}">
<label for="ping-message">Ping message (optional)</label>
<input type="text" id="ping-message" name="message">
<button type="submit" class="secondary">Send a ping</button>
</form>
<form method="post" action="${e(`${base}/webhook-subscription/delete`)}"><button type="submit" class="danger">Unsubscribe</button></form>`
    : '';
  return `<section aria-labelledby="webhooks"><h2 id="webhooks">Webhook subscription</h2>
${status}
<form method="post" action="${e(`${base}/webhook-subscription`)}">
<label for="webhook-url">Webhook URL</label>
<input type="url" id="webhook-url" name="url" value="${e(url)}" placeholder="http://localhost:3000/v1/webhooks/intercom/..." required>
<fieldset><legend>Topics (ping is always sent; the defaults are the topics the service handles)</legend>
${boxes}
</fieldset>
<p class="muted">Intercom checks the URL with a HEAD request before saving it.</p>
<button type="submit">${subscription ? 'Save subscription' : 'Subscribe'}</button>
</form>
${manage}
<h3>Recent deliveries</h3>
${deliveriesTable(state, { appId: workspace.appId }, 'Webhook deliveries')}
</section>`;
}

const conversationPreview = (conversation: ConversationRecord): string => {
  const text = conversation.source.subject || htmlToText(conversation.source.body);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
};

function conversationsSection(workspace: Workspace): string {
  const conversations = [...workspace.conversations.values()].sort((a, b) => b.updatedAt - a.updatedAt || b.id.localeCompare(a.id)).slice(0, 50);
  if (conversations.length === 0) return '<section aria-labelledby="conversations"><h2 id="conversations">Conversations</h2><p>None.</p></section>';
  const rows = conversations
    .map((conversation) => {
      const tags = conversation.tags.map((tag) => workspace.tags.get(tag.tagId)?.name ?? tag.tagId).map(e).join(', ');
      return (
        `<tr><td><a href="${e(conversationPath(workspace.appId, conversation.id))}">Conversation ${e(conversation.id)}</a></td>` +
        `<td>${e(conversationPreview(conversation))}</td><td>${e(conversation.source.author.name ?? conversation.source.author.email)}</td>` +
        `<td>${conversation.state}</td><td>${tags || '–'}</td><td>${conversation.parts.length}</td><td>${at(conversation.updatedAt)}</td></tr>`
      );
    })
    .join('\n');
  return `<section aria-labelledby="conversations"><h2 id="conversations">Conversations</h2>
<table><caption>Most recently updated first (at most 50)</caption><thead><tr><th scope="col">Conversation</th><th scope="col">First message</th>
<th scope="col">Customer</th><th scope="col">State</th><th scope="col">Tags</th><th scope="col">Parts</th><th scope="col">Updated</th></tr></thead>
<tbody>
${rows}
</tbody></table></section>`;
}

function contactsSection(workspace: Workspace, flash: Flash): string {
  const base = wsPath(workspace.appId);
  const failed = flash.form?.has('email') ? flash.form : undefined;
  const role = failed?.get('role') ?? 'user';
  // Contact ids grow with their creation time, so the last ones are the newest.
  const newest = workspace.contacts.listPage(null, workspace.contacts.size).rows.slice(-10).reverse();
  const rows = newest
    .map(
      (contact) =>
        `<tr><td>${e(contact.name ?? '–')}</td><td>${e(contact.email || '–')}</td><td>${contact.role}</td><td>${e(contact.id)}</td><td>${at(contact.createdAt)}</td>` +
        `<td><form method="post" action="${e(`${base}/contacts/${encodeURIComponent(contact.id)}/archive`)}">` +
        `<button type="submit" class="small danger">Archive<span class="visually-hidden"> ${e(contact.name ?? contact.email ?? contact.id)}</span></button></form></td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="contacts"><h2 id="contacts">Contacts</h2>
<p>${workspace.contacts.size} contacts (archived ones not counted).</p>
<form method="post" action="${e(`${base}/contacts`)}">
<h3>Add a contact</h3>
<label for="contact-name">Name</label>
<input type="text" id="contact-name" name="name" value="${e(failed?.get('name') ?? '')}" required>
<label for="contact-email">Email</label>
<input type="email" id="contact-email" name="email" value="${e(failed?.get('email') ?? '')}" required>
<fieldset><legend>Role</legend>
<label><input type="radio" name="role" value="user"${role !== 'lead' ? ' checked' : ''}> User</label>
<label><input type="radio" name="role" value="lead"${role === 'lead' ? ' checked' : ''}> Lead</label>
</fieldset>
<button type="submit">Add contact</button>
</form>
${
  rows === ''
    ? ''
    : `<table><caption>Newest contacts (at most 10)</caption><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th>
<th scope="col">Id</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${rows}
</tbody></table>`
}
</section>`;
}

function workspacePage(state: SimulatorState, appId: string, flash: Flash, status?: number): UiAnswer {
  const workspace = state.workspace(appId);
  const { settings } = workspace;
  const content = `<h1>${e(settings.name)}</h1>
<p>App id <code>${e(settings.appId)}</code>, region ${settings.region}, ${count(workspace.tags.size, 'tag')}, ${count(workspace.admins.length, 'teammate')}.</p>
${subscriptionSection(state, workspace, flash)}
${conversationsSection(workspace)}
${contactsSection(workspace, flash)}`;
  return page(state, settings.name, `<a href="${UI}">Workspaces</a> › ${e(settings.name)}`, content, flash, status);
}

type Message = { kind: 'source'; record: SourceRecord } | { kind: 'part'; record: PartRecord };

function authorLabel(author: PartRecord['author']): string {
  const who = author.type === 'admin' ? 'teammate' : author.type === 'bot' ? 'bot' : author.type === 'lead' ? 'lead' : 'customer';
  return `${author.name ?? author.email} (${who})`;
}

function messageBlock(workspace: Workspace, conversation: ConversationRecord, message: Message): string {
  const record = message.record;
  const isSource = message.kind === 'source';
  const partType = isSource ? 'first message' : message.record.partType;
  const created = isSource ? conversation.createdAt : message.record.createdAt;
  const note = !isSource && message.record.partType === 'note';
  const tagNames = record.tagIds.map((tagId) => `<span class="tag">${e(workspace.tags.get(tagId)?.name ?? tagId)}</span>`).join('');
  const body = record.body === null ? '' : `<div class="body">${e(htmlToText(record.body))}</div>`;
  const label = `${isSource ? 'the first message' : `part ${record.id}`}`;
  const redact =
    record.body !== null && !record.redacted
      ? `<form method="post" action="${e(`${conversationPath(workspace.appId, conversation.id)}/redact`)}">` +
        (isSource ? '<input type="hidden" name="source" value="true">' : `<input type="hidden" name="partId" value="${e(record.id)}">`) +
        `<button type="submit" class="small danger">Redact<span class="visually-hidden"> ${e(label)}</span></button></form>`
      : '';
  const classes = ['part', note ? 'note' : '', record.redacted ? 'redacted' : ''].filter(Boolean).join(' ');
  return `<li class="${classes}" id="part-${e(record.id)}"><article aria-label="${e(`${partType} by ${authorLabel(record.author)}`)}">
<p><strong>${e(authorLabel(record.author))}</strong> · ${e(partType)}${note ? ' (internal note)' : ''} · ${at(created)} · <span class="muted">id ${e(record.id)}</span>${record.redacted ? ' · redacted' : ''}</p>
${body}${tagNames ? `<p>Tags: ${tagNames}</p>` : ''}${redact}
</article></li>`;
}

function conversationPage(state: SimulatorState, appId: string, conversationId: string, flash: Flash, status?: number): UiAnswer {
  const workspace = state.workspace(appId);
  const conversation = workspace.conversation(conversationId);
  const base = conversationPath(appId, conversationId);
  const failedKind = flash.form?.get('kind');
  const typed = (kind: string): string => (failedKind === kind ? e(flash.form?.get('body') ?? '') : '');
  const tags = [...workspace.tags.values()].sort((a, b) => a.name.localeCompare(b.name));
  const tagOptions = tags.map((tag) => `<option value="${e(tag.id)}">${e(tag.name)}</option>`).join('');
  const parts = conversation.parts.filter((part) => part.body !== null);
  const partOptions = [
    '<option value="">The latest message (default)</option>',
    `<option value="${e(conversation.source.id)}">The first message</option>`,
    ...parts.map((part) => `<option value="${e(part.id)}">Part ${e(part.id)}: ${e(htmlToText(part.body ?? '').slice(0, 40))}</option>`),
  ].join('');
  const applied = conversation.tags
    .map((applied) => {
      const name = workspace.tags.get(applied.tagId)?.name ?? applied.tagId;
      return (
        `<li><span class="tag">${e(name)}</span> applied ${at(applied.appliedAt)} to ${e(applied.partId)} ` +
        `<form method="post" action="${e(`${base}/tags/${encodeURIComponent(applied.tagId)}/delete`)}" style="display:inline">` +
        `<button type="submit" class="small secondary">Remove<span class="visually-hidden"> tag ${e(name)}</span></button></form></li>`
      );
    })
    .join('\n');
  const admins = workspace.admins.map((admin) => `<option value="${e(admin.id)}">${e(admin.name)}</option>`).join('');
  const messages = [
    messageBlock(workspace, conversation, { kind: 'source', record: conversation.source }),
    ...conversation.parts.map((part) => messageBlock(workspace, conversation, { kind: 'part', record: part })),
  ].join('\n');
  const customer = conversation.source.author;
  const content = `<h1>Conversation ${e(conversation.id)}</h1>
<p>${e(conversationPreview(conversation))}</p>
<p>Customer ${e(customer.name ?? customer.email)} · ${conversation.state} · created ${at(conversation.createdAt)} · updated ${at(conversation.updatedAt)}</p>
<section aria-labelledby="tags"><h2 id="tags">Tags</h2>
${applied ? `<ul>${applied}</ul>` : '<p>No tags.</p>'}
<form method="post" action="${e(`${base}/tags`)}">
<label for="tag-id">Tag</label>
<select id="tag-id" name="tagId"><option value="">Choose a tag</option>${tagOptions}</select>
<label for="new-tag">Or a new tag's name</label>
<input type="text" id="new-tag" name="newTagName">
<label for="tag-part">Message to tag</label>
<select id="tag-part" name="partId">${partOptions}</select>
<button type="submit">Apply tag</button>
</form>
</section>
<section aria-labelledby="parts"><h2 id="parts">Messages</h2>
<ol class="parts" style="list-style:none;padding:0">
${messages}
</ol>
</section>
<section aria-labelledby="write"><h2 id="write">Write</h2>
<form method="post" action="${e(`${base}/parts`)}">
<input type="hidden" name="kind" value="user_reply">
<label for="customer-reply">Reply as the customer</label>
<textarea id="customer-reply" name="body" required>${typed('user_reply')}</textarea>
<button type="submit">Send customer reply</button>
</form>
<form method="post" action="${e(`${base}/parts`)}">
<input type="hidden" name="kind" value="admin_reply">
<label for="teammate-reply">Reply as a teammate</label>
<textarea id="teammate-reply" name="body" required>${typed('admin_reply')}</textarea>
<label for="reply-admin">Teammate</label>
<select id="reply-admin" name="adminId">${admins}</select>
<button type="submit">Send teammate reply</button>
</form>
<form method="post" action="${e(`${base}/parts`)}">
<input type="hidden" name="kind" value="admin_note">
<label for="note">Internal note</label>
<textarea id="note" name="body" required>${typed('admin_note')}</textarea>
<label for="note-admin">Teammate</label>
<select id="note-admin" name="adminId">${admins}</select>
<button type="submit">Add note</button>
</form>
</section>
<section aria-labelledby="deliveries"><h2 id="deliveries">Webhook deliveries for this conversation</h2>
${deliveriesTable(state, { appId, conversationId }, 'Deliveries')}
</section>`;
  const crumbs = `<a href="${UI}">Workspaces</a> › <a href="${e(wsPath(appId))}">${e(workspace.settings.name)}</a> › Conversation ${e(conversation.id)}`;
  return page(state, `Conversation ${conversation.id}`, crumbs, content, flash, status);
}

// Forms

type Renderer = (ctx: UiContext, flash: Flash, status?: number) => UiAnswer;

const renderWorkspace: Renderer = (ctx, flash, status) => workspacePage(ctx.state, ctx.params.appId ?? '', flash, status);
const renderConversation: Renderer = (ctx, flash, status) =>
  conversationPage(ctx.state, ctx.params.appId ?? '', ctx.params.conversationId ?? '', flash, status);

const flashFromQuery = (query: URLSearchParams): Flash => ({ notice: query.get('notice') ?? undefined });

const workspaceOf = (ctx: UiContext): Workspace => ctx.state.workspace(ctx.params.appId ?? '');

/** Where a form lives: its page, and the check that the page exists (an unknown id is a 404 page). */
interface FormPage {
  render: Renderer;
  path: (ctx: UiContext) => string;
  exists: (ctx: UiContext) => void;
}

const ON_WORKSPACE: FormPage = {
  render: renderWorkspace,
  path: (ctx) => wsPath(ctx.params.appId ?? ''),
  exists: (ctx) => void workspaceOf(ctx),
};

const ON_CONVERSATION: FormPage = {
  render: renderConversation,
  path: (ctx) => conversationPath(ctx.params.appId ?? '', ctx.params.conversationId ?? ''),
  exists: (ctx) => void workspaceOf(ctx).conversation(ctx.params.conversationId ?? ''),
};

/**
 * A form: `run` makes the change and answers the sentence to show; then 303 back to the page. A
 * refused input (FormError, or a ControlError such as an unknown part or a URL that fails HEAD)
 * answers the page with the message instead; nothing was changed.
 */
function action(on: FormPage, run: (ctx: UiContext) => Promise<string> | string): UiHandler {
  return async (ctx) => {
    on.exists(ctx);
    try {
      const notice = await run(ctx);
      return { kind: 'redirect', location: `${on.path(ctx)}?notice=${encodeURIComponent(notice)}` };
    } catch (error) {
      if (error instanceof FormError) return on.render(ctx, { error: error.message, form: ctx.form }, 400);
      if (error instanceof ControlError) return on.render(ctx, { error: error.message, form: ctx.form }, error.status);
      throw error;
    }
  };
}

const subscribe = action(ON_WORKSPACE, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const input = parseForm(subscribeForm, { url: ctx.form.get('url') ?? undefined, topics: ctx.form.getAll('topics') });
  const saved = await ctx.state.webhooks.subscribe(privateApp(workspace), input);
  return `Subscribed ${saved.url} to ${saved.topics.length} topics.`;
});

const unsubscribe = action(ON_WORKSPACE, (ctx) =>
  ctx.state.webhooks.unsubscribe(privateApp(workspaceOf(ctx))) ? 'Unsubscribed: nothing is delivered from now on.' : 'There was no subscription.',
);

const ping = action(ON_WORKSPACE, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const { message } = parseForm(pingForm, fields(ctx.form));
  const delivery = await ctx.state.webhooks.ping(privateApp(workspace), workspace.appId, message);
  return deliveredSentence([delivery], 'ping');
});

const addContact = action(ON_WORKSPACE, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const input = parseForm(contactForm, fields(ctx.form));
  const { result, deliveries } = await changeAndNotify(ctx.state, workspace, true, () => workspace.createContact(input));
  return `Added ${result.role} ${result.name ?? ''} <${result.email}> (${result.id}). ${deliveredSentence(deliveries, `contact.${result.role}.created`)}`;
});

const archiveContact = action(ON_WORKSPACE, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const contactId = ctx.params.contactId ?? '';
  const { result, deliveries } = await changeAndNotify(ctx.state, workspace, true, () => workspace.archiveContact(contactId));
  return `Archived ${result.name ?? result.email} (${result.id}). ${deliveredSentence(deliveries, 'contact.archived')}`;
});

const applyTag = action(ON_CONVERSATION, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const form = parseForm(tagForm, fields(ctx.form));
  const input = form.newTagName !== undefined ? { tagName: form.newTagName, partId: form.partId } : { tagId: form.tagId, partId: form.partId };
  const conversationId = ctx.params.conversationId ?? '';
  const { result, deliveries } = await changeAndNotify(ctx.state, workspace, true, () => workspace.tagConversation(conversationId, input));
  return `Tagged ${result.partId} with "${workspace.tag(result.tagId).name}". ${deliveredSentence(deliveries, 'conversation_part.tag.created')}`;
});

const removeTag = action(ON_CONVERSATION, (ctx) => {
  const workspace = workspaceOf(ctx);
  const tagId = ctx.params.tagId ?? '';
  workspace.untagConversation(ctx.params.conversationId ?? '', tagId);
  return `Removed the tag "${workspace.tags.get(tagId)?.name ?? tagId}" (Intercom sends no webhook for that).`;
});

const PART_WORDS: Record<(typeof partKindsOnPage)[number], string> = {
  user_reply: 'Customer reply sent',
  admin_reply: 'Teammate reply sent',
  admin_note: 'Note added',
};

const addPart = action(ON_CONVERSATION, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const form = parseForm(partForm, fields(ctx.form));
  const conversationId = ctx.params.conversationId ?? '';
  const input = { kind: form.kind, body: textToHtml(form.body), adminId: form.kind === 'user_reply' ? undefined : form.adminId };
  const { result, deliveries } = await changeAndNotify(ctx.state, workspace, true, () => workspace.addPart(conversationId, input));
  return `${PART_WORDS[form.kind]} (part ${result.part.id}). ${deliveredSentence(deliveries, result.topic ?? 'it')}`;
});

const redact = action(ON_CONVERSATION, async (ctx) => {
  const workspace = workspaceOf(ctx);
  const form = parseForm(redactForm, fields(ctx.form));
  const conversationId = ctx.params.conversationId ?? '';
  const input = form.source !== undefined ? { source: true } : { partId: form.partId };
  const { result, deliveries } = await changeAndNotify(ctx.state, workspace, true, () => workspace.redact(conversationId, input));
  return `Redacted ${form.source !== undefined ? 'the first message' : `part ${result.partId}`}. ${deliveredSentence(deliveries, 'conversation_part.redacted')}`;
});

const W = `${UI}/workspaces/:appId`;
const C = `${W}/conversations/:conversationId`;

export const uiRoutes: Route<UiHandler>[] = [
  route('GET', UI, (ctx: UiContext) => indexPage(ctx.state)),
  route('GET', W, (ctx: UiContext) => renderWorkspace(ctx, flashFromQuery(ctx.query))),
  route('POST', `${W}/webhook-subscription`, subscribe),
  route('POST', `${W}/webhook-subscription/delete`, unsubscribe),
  route('POST', `${W}/webhook-subscription/ping`, ping),
  route('POST', `${W}/contacts`, addContact),
  route('POST', `${W}/contacts/:contactId/archive`, archiveContact),
  route('GET', C, (ctx: UiContext) => renderConversation(ctx, flashFromQuery(ctx.query))),
  route('POST', `${C}/tags`, applyTag),
  route('POST', `${C}/tags/:tagId/delete`, removeTag),
  route('POST', `${C}/parts`, addPart),
  route('POST', `${C}/redact`, redact),
];

/** The page for a request no route answers, or for an unknown workspace or conversation. */
export function notFoundPage(message: string): string {
  return simulatorPage({ title: 'Not found', content: `<h1>Not found</h1><p>${e(message)}</p><p><a href="${UI}">All workspaces</a></p>` });
}
