import { atLeast } from './api-version';
import { htmlToText } from './html-text';
import type { AuthorRecord, ConversationRecord, PartRecord } from './model';
import type { Workspace } from './workspace';

/**
 * Conversations in Intercom's wire shapes:
 * - REST (OpenAPI 2.16 `conversation`): HTML bodies unless `display_as=plaintext`, integer
 *   statistics without unknown fields, assignee ids as integers with 0 for nobody;
 * - webhook items for apps on 2.15+: the REST serialization with plain-text bodies;
 * - webhook items for apps before 2.15: as captured from Intercom (HTML bodies, ISO statistics
 *   with nulls, `not_priority`, `teammates.admins`);
 * - the legacy 1.x item (`user`, `assignee`, `conversation_message`, `tags_added`).
 */

/** Intercom returns at most the 500 most recent parts of a conversation. */
export const MAX_REST_PARTS = 500;

export interface ConversationViewOptions {
  flavor: 'rest' | 'webhook';
  apiVersion: string;
  /** REST `display_as=plaintext`; 2.15+ webhooks are always plain text. */
  plaintext?: boolean;
  /** The parts to include (webhooks carry only the triggering ones); default the 500 most recent. */
  parts?: readonly PartRecord[];
}

const isCustomer = (author: AuthorRecord): boolean => author.type === 'user' || author.type === 'lead';

/** The source message as a part, for notifications about a tag applied to the first message. */
export function sourceAsPart(conversation: ConversationRecord): PartRecord {
  const { source } = conversation;
  return {
    id: source.id,
    partType: 'comment',
    body: source.body,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    notifiedAt: conversation.createdAt,
    assignedTo: null,
    author: source.author,
    redacted: source.redacted,
    state: conversation.state,
    tagIds: [...source.tagIds],
  };
}

function authorView(author: AuthorRecord): Record<string, unknown> {
  return {
    type: author.type,
    id: author.id,
    name: author.name,
    email: author.email,
    from_ai_agent: author.fromAiAgent,
    is_ai_answer: author.isAiAnswer,
  };
}

interface Statistic {
  name: string;
  value: number | null;
  kind: 'time' | 'duration' | 'count';
}

function statistics(conversation: ConversationRecord, legacy: boolean): Record<string, unknown> {
  const { parts, createdAt } = conversation;
  const first = (list: PartRecord[]): number | null => list[0]?.createdAt ?? null;
  const last = (list: PartRecord[]): number | null => list.at(-1)?.createdAt ?? null;
  const since = (at: number | null): number | null => (at === null ? null : at - createdAt);
  const customerParts = parts.filter((part) => isCustomer(part.author));
  const adminReplies = parts.filter((part) => part.author.type === 'admin' && part.body !== null && part.partType !== 'note');
  const assignments = parts.filter((part) => part.partType === 'assignment');
  const closes = parts.filter((part) => part.partType === 'close');
  const lastAssignment = last(assignments);
  const firstContactReplyAt = isCustomer(conversation.source.author) ? createdAt : first(customerParts);
  const stats: Statistic[] = [
    { name: 'time_to_assignment', value: since(first(assignments)), kind: 'duration' },
    { name: 'time_to_admin_reply', value: since(first(adminReplies)), kind: 'duration' },
    { name: 'time_to_first_close', value: since(first(closes)), kind: 'duration' },
    { name: 'time_to_last_close', value: since(last(closes)), kind: 'duration' },
    { name: 'median_time_to_reply', value: null, kind: 'duration' },
    { name: 'first_contact_reply_at', value: firstContactReplyAt, kind: 'time' },
    { name: 'first_assignment_at', value: first(assignments), kind: 'time' },
    { name: 'first_admin_reply_at', value: first(adminReplies), kind: 'time' },
    { name: 'first_close_at', value: first(closes), kind: 'time' },
    { name: 'last_assignment_at', value: lastAssignment, kind: 'time' },
    {
      name: 'last_assignment_admin_reply_at',
      value: lastAssignment === null ? null : first(adminReplies.filter((part) => part.createdAt >= lastAssignment)),
      kind: 'time',
    },
    { name: 'last_contact_reply_at', value: last(customerParts) ?? firstContactReplyAt, kind: 'time' },
    { name: 'last_admin_reply_at', value: last(adminReplies), kind: 'time' },
    { name: 'last_close_at', value: last(closes), kind: 'time' },
  ];
  const view: Record<string, unknown> = { type: 'conversation_statistics' };
  for (const stat of stats) {
    if (stat.value === null && !legacy) continue;
    view[stat.name] =
      stat.value !== null && stat.kind === 'time' && legacy ? new Date(stat.value * 1000).toISOString() : stat.value;
  }
  const lastCloser = closes.at(-1)?.author.id ?? null;
  if (legacy) view.last_closed_by_id = lastCloser === null ? null : Number(lastCloser);
  else if (lastCloser !== null) view.last_closed_by_id = lastCloser;
  Object.assign(view, {
    count_reopens: parts.filter((part) => part.partType === 'open').length,
    count_assignments: assignments.length,
    count_conversation_parts: parts.length + 1,
    assigned_team_first_response_time: [],
    assigned_team_first_response_time_in_office_hours: [],
  });
  if (legacy) view.handling_time = null;
  return view;
}

/** A conversation in the 2.x shape, for REST or as a webhook item. */
export function conversationView(
  workspace: Workspace,
  conversation: ConversationRecord,
  options: ConversationViewOptions,
): Record<string, unknown> {
  const legacy = options.flavor === 'webhook' && !atLeast(options.apiVersion, '2.15');
  const plain = options.flavor === 'webhook' ? !legacy : options.plaintext === true;
  const text = (html: string): string => (plain ? htmlToText(html) : html);
  const parts = options.parts ?? conversation.parts.slice(-MAX_REST_PARTS);
  const { source } = conversation;
  const assigneeId = (id: string | null): number | null => (id === null ? (legacy ? null : 0) : Number(id));
  const teammateIds = [...new Set(conversation.parts.filter((p) => p.author.type === 'admin').map((p) => p.author.id))];
  const teammateRefs = teammateIds.map((id) => ({ type: 'admin', id }));
  const tagName = (id: string): string => workspace.tags.get(id)?.name ?? '';

  const partView = (part: PartRecord): Record<string, unknown> => ({
    type: 'conversation_part',
    id: part.id,
    part_type: part.partType,
    body: part.body === null ? null : text(part.body),
    created_at: part.createdAt,
    updated_at: part.updatedAt,
    notified_at: part.notifiedAt,
    assigned_to: part.assignedTo ? { ...part.assignedTo } : null,
    author: authorView(part.author),
    attachments: [],
    external_id: null,
    redacted: part.redacted,
    metadata: {},
    email_message_metadata: null,
    state: part.state,
    tags: part.tagIds.map((id) => ({ type: 'tag', id, name: tagName(id) })),
    event_details: legacy ? {} : null,
    app_package_code: null,
  });

  return {
    type: 'conversation',
    id: conversation.id,
    created_at: conversation.createdAt,
    updated_at: conversation.updatedAt,
    waiting_since: conversation.waitingSince,
    snoozed_until: conversation.snoozedUntil,
    source: {
      type: source.type,
      id: source.id,
      delivered_as: source.deliveredAs,
      subject: plain ? htmlToText(source.subject) : source.subject,
      body: text(source.body),
      author: { type: source.author.type, id: source.author.id, name: source.author.name, email: source.author.email },
      attachments: [],
      url: source.url,
      redacted: source.redacted,
    },
    contacts: {
      type: 'contact.list',
      contacts: conversation.contactIds.map((id) => ({
        type: 'contact',
        id,
        external_id: workspace.contacts.getIncludingArchived(id)?.externalId ?? workspace.contacts.getDeleted(id)?.externalId ?? null,
      })),
    },
    first_contact_reply: isCustomer(source.author)
      ? { created_at: conversation.createdAt, type: 'conversation', url: source.url }
      : null,
    admin_assignee_id: assigneeId(conversation.adminAssigneeId),
    team_assignee_id: assigneeId(conversation.teamAssigneeId),
    open: conversation.state !== 'closed',
    state: conversation.state,
    read: conversation.read,
    tags: {
      type: 'tag.list',
      tags: conversation.tags.map((tag) => ({
        type: 'tag',
        id: tag.tagId,
        name: tagName(tag.tagId),
        applied_at: tag.appliedAt,
        applied_by: { ...tag.appliedBy },
      })),
    },
    priority: legacy ? (conversation.priority === 'none' ? 'not_priority' : 'priority') : conversation.priority,
    sla_applied: null,
    statistics: statistics(conversation, legacy),
    conversation_rating: null,
    teammates: legacy
      ? { type: 'admin.list', admins: teammateRefs }
      : teammateRefs.length > 0
        ? { type: 'admin.list', teammates: teammateRefs }
        : null,
    title: legacy ? (conversation.title ?? '') : conversation.title,
    custom_attributes: { ...conversation.customAttributes },
    topics: legacy ? { type: 'topic.list', topics: [], total_count: 0 } : {},
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: conversation.parts.some((part) => part.author.fromAiAgent),
    conversation_parts: {
      type: 'conversation_part.list',
      conversation_parts: parts.map(partView),
      total_count: parts.length,
    },
  };
}

/**
 * A conversation as `POST /conversations/search` lists it (OpenAPI `conversation_list_item`): the
 * single-conversation form without `conversation_parts`.
 */
export function conversationListItemView(
  workspace: Workspace,
  conversation: ConversationRecord,
  options: Omit<ConversationViewOptions, 'parts'>,
): Record<string, unknown> {
  const { conversation_parts: _parts, ...item } = conversationView(workspace, conversation, { ...options, parts: [] });
  return item;
}

/** A conversation item as apps on the 1.x API receive it; `tagIdsAdded` fills `tags_added`. */
export function conversationV1View(
  workspace: Workspace,
  conversation: ConversationRecord,
  parts: readonly PartRecord[],
  tagIdsAdded: readonly string[],
): Record<string, unknown> {
  const tagRef = (id: string): Record<string, unknown> => ({ type: 'tag', id, name: workspace.tags.get(id)?.name ?? '' });
  const customerId = conversation.contactIds[0];
  const customer = customerId === undefined ? undefined : workspace.contacts.getIncludingArchived(customerId);
  const assignee = conversation.adminAssigneeId === null ? undefined : workspace.admins.find((a) => a.id === conversation.adminAssigneeId);
  const { source } = conversation;
  return {
    type: 'conversation',
    id: conversation.id,
    created_at: conversation.createdAt,
    updated_at: conversation.updatedAt,
    user: {
      type: customer?.role ?? source.author.type,
      id: customer?.id ?? source.author.id,
      user_id: customer?.externalId ?? null,
      name: customer?.name ?? source.author.name,
      email: customer?.email ?? source.author.email,
      do_not_track: null,
    },
    assignee: assignee
      ? { type: 'admin', id: assignee.id, name: assignee.name, email: assignee.email }
      : { type: 'nobody_admin', id: null },
    conversation_message: {
      type: 'conversation_message',
      id: source.id,
      url: source.url,
      subject: source.subject,
      body: source.body,
      author: { type: source.author.type, id: source.author.id },
      attachments: [],
    },
    conversation_parts: {
      type: 'conversation_part.list',
      conversation_parts: parts.map((part) => ({
        type: 'conversation_part',
        id: part.id,
        part_type: part.partType,
        body: part.body,
        created_at: part.createdAt,
        updated_at: part.updatedAt,
        notified_at: part.notifiedAt,
        assigned_to: part.assignedTo ? { ...part.assignedTo } : null,
        author: { type: part.author.type, id: part.author.id, name: part.author.name, email: part.author.email },
        attachments: [],
        external_id: null,
      })),
      total_count: parts.length,
    },
    open: conversation.state !== 'closed',
    state: conversation.state,
    snoozed_until: conversation.snoozedUntil,
    read: conversation.read,
    metadata: {},
    tags: { type: 'tag.list', tags: conversation.tags.map((tag) => tagRef(tag.tagId)) },
    tags_added: { type: 'tag.list', tags: tagIdsAdded.map(tagRef) },
    links: { conversation_web: `https://app.intercom.com/a/apps/${workspace.appId}/conversations/${conversation.id}` },
  };
}
