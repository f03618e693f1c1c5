import { contactView, deletedContactView } from './contact.serializer';
import { ControlError, unknown } from './control-error';
import type { BuildWebhookInput, WebhookTopic } from './control.schema';
import { conversationV1View, conversationView, sourceAsPart } from './conversation.serializer';
import type { ConversationRecord, PartRecord } from './model';
import { buildNotificationEnvelope, signNotification, type SignedNotification } from './webhook-envelope';
import type { Workspace } from './workspace';

/**
 * The `data.item` of each topic, built from the workspace's current state. Conversation items
 * carry only the triggering part(s), as Intercom's notifications do.
 */

type NotificationRequest = Omit<BuildWebhookInput, 'appId' | 'secret'>;

const isCustomer = (part: PartRecord): boolean => part.author.type === 'user' || part.author.type === 'lead';

/** Which part each conversation topic is about when the request names none. */
const DEFAULT_PART: Partial<Record<WebhookTopic, (part: PartRecord) => boolean>> = {
  'conversation.admin.noted': (part) => part.partType === 'note',
  'conversation.admin.replied': (part) => part.author.type === 'admin' && part.body !== null && part.partType !== 'note',
  'conversation.operator.replied': (part) => part.author.type === 'bot' && part.body !== null,
  'conversation.user.replied': isCustomer,
  'conversation_part.redacted': (part) => part.redacted,
};

function resolveParts(conversation: ConversationRecord, partIds: readonly string[]): PartRecord[] {
  return partIds.map((id) => {
    if (id === conversation.source.id) return sourceAsPart(conversation);
    const part = conversation.parts.find((candidate) => candidate.id === id);
    if (!part) throw unknown('conversation part', id);
    return part;
  });
}

function triggeringParts(conversation: ConversationRecord, request: NotificationRequest): PartRecord[] {
  if (request.partIds) return resolveParts(conversation, request.partIds);
  const wanted = DEFAULT_PART[request.topic];
  const latest = wanted ? [...conversation.parts].reverse().find(wanted) : undefined;
  if (latest) return [latest];
  // A redacted first message is reported through `source.redacted` with no part.
  if (request.topic === 'conversation_part.redacted' && conversation.source.redacted) return [];
  throw new ControlError(400, 'invalid_request', `Conversation ${conversation.id} has no part for ${request.topic}; pass partIds`);
}

function conversationItem(workspace: Workspace, request: NotificationRequest): Record<string, unknown> {
  if (request.conversationId === undefined) throw new ControlError(400, 'invalid_request', `${request.topic} needs conversationId`);
  const conversation = workspace.conversation(request.conversationId);
  let parts: PartRecord[];
  let tagsAdded: string[] = [];
  if (request.topic === 'conversation_part.tag.created') {
    const applied =
      request.tagId === undefined
        ? conversation.tags.at(-1)
        : conversation.tags.find((tag) => tag.tagId === request.tagId);
    if (!applied) throw new ControlError(400, 'invalid_request', `Conversation ${conversation.id} has no such tag; tag it first`);
    parts = resolveParts(conversation, request.partIds ?? [applied.partId]);
    tagsAdded = [applied.tagId];
  } else {
    parts = triggeringParts(conversation, request);
  }
  if (request.shape === '1.x') return conversationV1View(workspace, conversation, parts, tagsAdded);
  return conversationView(workspace, conversation, {
    flavor: 'webhook',
    apiVersion: request.apiVersion ?? workspace.settings.apiVersion,
    parts,
  });
}

function contactItem(workspace: Workspace, request: NotificationRequest): Record<string, unknown> {
  if (request.contactId === undefined) throw new ControlError(400, 'invalid_request', `${request.topic} needs contactId`);
  if (request.topic === 'contact.deleted') {
    const contact = workspace.contacts.getIncludingArchived(request.contactId) ?? workspace.contacts.getDeleted(request.contactId);
    if (!contact) throw unknown('contact', request.contactId);
    return deletedContactView(contact);
  }
  const item = contactView(workspace.contact(request.contactId), {
    appId: workspace.appId,
    apiVersion: request.apiVersion ?? workspace.settings.apiVersion,
    flavor: 'webhook',
    tags: workspace.tags,
  });
  if (request.topic !== 'contact.merged') return item;
  // The surviving contact plus the absorbed one's id (DOC-WH-MODELS `contact.merged` payload).
  if (request.mergedFromId === undefined) throw new ControlError(400, 'invalid_request', 'contact.merged needs mergedFromId');
  return { ...item, merged_from: { type: 'contact', id: request.mergedFromId } };
}

/** The `data.item` for a notification about the workspace's current state. */
export function buildWebhookItem(workspace: Workspace, request: NotificationRequest): Record<string, unknown> {
  if (request.topic === 'ping') return { type: 'ping', message: request.message ?? 'something something interzen' };
  if (request.topic.startsWith('contact.')) return contactItem(workspace, request);
  return conversationItem(workspace, request);
}

/**
 * A signed notification, signed with the workspace's client secret unless `secret` overrides it,
 * created now on the simulator's clock unless the request says when.
 */
export function prepareNotification(workspace: Workspace, request: NotificationRequest, secret?: string): SignedNotification {
  const envelope = buildNotificationEnvelope({
    appId: workspace.appId,
    topic: request.topic,
    item: buildWebhookItem(workspace, request),
    id: request.notificationId,
    createdAt: request.createdAt ?? workspace.now(),
    firstSentAt: request.firstSentAt,
    deliveryAttempts: request.deliveryAttempts,
  });
  return signNotification(envelope, secret ?? workspace.settings.clientSecret);
}
