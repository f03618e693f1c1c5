import * as z from 'zod';
import { withWorkspaceToken } from '../connect/workspace-token';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError, NotFoundError, UnprocessableError } from '../platform/errors';
import { logger } from '../platform/logger';
import { nextProductFeedback, type ProductFeedback } from './product-feedback';
import { sortMessages, type Ticket, type TicketMessage } from './ticket';

export const productIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _');

/** The longest product name the inbox app shows. */
export const PRODUCT_NAME_MAX_LENGTH = 80;

export const productFeedbackBody = z.strictObject({
  enabled: z.boolean(),
  triggerTagIds: z.array(z.string().min(1).max(64)).max(100),
  productName: z.string().trim().min(1, 'must not be empty').max(PRODUCT_NAME_MAX_LENGTH).optional(),
});

function view(settings: ProductFeedback) {
  return { enabled: settings.enabled, triggerTagIds: settings.triggerTagIds, enabledAt: settings.enabledAt, productName: settings.productName };
}

export async function getProductFeedback(deps: Dependencies, workspaceId: string, productId: string) {
  const settings = await deps.feedback.getProductFeedback(workspaceId, productId);
  return view(settings ?? { productId, enabled: false, triggerTagIds: [], enabledAt: null, productName: productId });
}

/**
 * Switches a product's feedback and sets its trigger tags.
 * Steps: check the tag ids against the workspace's Intercom tags, fetched live (422
 * `unknown_tag_ids` lists the unknown ones); record `enabledAt` when switching on; store.
 */
export async function putProductFeedback(
  deps: Dependencies,
  input: { workspaceId: string; productId: string; enabled: boolean; triggerTagIds: string[]; productName?: string },
) {
  if (input.triggerTagIds.length > 0) {
    const connection = await deps.connections.get(input.workspaceId);
    if (!connection || connection.status === 'disconnected') {
      throw new ConflictError('Connect Intercom before choosing trigger tags.', 'intercom_not_connected');
    }
    const tags = await withWorkspaceToken(deps, input.workspaceId, (token, intercom) => intercom.listTags(token), { connection });
    const known = new Set(tags.map((tag) => tag.id));
    const unknown = input.triggerTagIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UnprocessableError('unknown_tag_ids', `These tags do not exist in Intercom: ${unknown.join(', ')}.`, {
        unknownTagIds: unknown,
      });
    }
  }
  const previous = await deps.feedback.getProductFeedback(input.workspaceId, input.productId);
  const settings = nextProductFeedback(previous, input, deps.clock());
  await deps.feedback.putProductFeedback(input.workspaceId, settings);
  logger.info('Product feedback settings changed', { productId: input.productId, ...view(settings) });
  return view(settings);
}

function ticketView(ticket: Ticket) {
  return {
    id: ticket.id,
    productId: ticket.productId,
    status: ticket.status,
    title: ticket.title,
    excerpt: ticket.excerpt,
    customer: ticket.customer,
    intercom: ticket.intercom,
    source: ticket.source,
    sentBy: ticket.sentBy,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
  };
}

/** A page of the product's feedback inbox, newest first. */
export async function listFeedback(
  deps: Dependencies,
  input: { workspaceId: string; productId: string; limit: number; cursor?: string },
) {
  const page = await deps.feedback.listInbox(input.workspaceId, input.productId, input.limit, input.cursor);
  return { tickets: page.tickets.map(ticketView), nextCursor: page.nextCursor };
}

/** One ticket with its messages, oldest first; 404 unless it belongs to this workspace and product. */
export async function getFeedbackTicket(deps: Dependencies, input: { workspaceId: string; productId: string; ticketId: string }) {
  const found = /^tkt_[0-9a-f]{26}$/.test(input.ticketId) ? await deps.feedback.getTicket(input.ticketId) : undefined;
  if (!found || found.ticket.workspaceId !== input.workspaceId || found.ticket.productId !== input.productId) {
    throw new NotFoundError('No such feedback ticket.', 'ticket_not_found');
  }
  const firstId = found.ticket.excerptMessageId ?? undefined;
  return { ...ticketView(found.ticket), messages: sortMessages(found.messages, firstId).map(messageView) };
}

function messageView(message: TicketMessage): TicketMessage {
  return { id: message.id, author: message.author, kind: message.kind, body: message.body, createdAt: message.createdAt, redacted: message.redacted };
}
