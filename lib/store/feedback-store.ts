import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProductFeedback } from '../feedback/product-feedback';
import type { Ticket, TicketMessage } from '../feedback/ticket';
import { keys } from './keys';
import { decodeCursor, encodeCursor } from './page-cursor';
import { ignoreConditionFailure, queryAll, transactWrite, type Table, type TransactItem } from './table';

export interface ConversationState {
  /** The tickets made from the conversation, one per product. */
  tickets: ConversationTicket[];
  /** Ids of messages redacted in Intercom, remembered even before any ticket has them. */
  redactedMessageIds: Set<string>;
  /** The conversation's `updated_at` (unix seconds) its tickets were last brought up to date to; null if never. */
  syncedUpdatedAt: number | null;
}

/**
 * A conversation's ticket for a product, as its lookup item holds it. `title`: the header's title,
 * copied onto the lookup when the ticket is made and blanked with it by {@link FeedbackStore.redact},
 * so a list of the conversation's tickets needs no read of their headers. Absent on lookups stored
 * before the copy: read the header then.
 */
export interface ConversationTicket {
  productId: string;
  ticketId: string;
  title?: string;
}

/** What a list of a conversation's tickets shows of each. */
export type ListedTicketHeader = Pick<Ticket, 'id' | 'productId' | 'title'>;

const PARALLEL_WRITES = 8;
/** DynamoDB's limit for one BatchGetItem. */
const BATCH_GET_LIMIT = 100;

/** Product feedback settings, tickets, their messages, and per-conversation lookups. */
export class FeedbackStore {
  constructor(private readonly table: Table) {}

  async getProductFeedback(workspaceId: string, productId: string): Promise<ProductFeedback | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.productFeedback(workspaceId, productId), ConsistentRead: true }),
    );
    return Item ? toProductFeedback(Item) : undefined;
  }

  /** Stores a product's settings; while feedback is on, the item is listed for the scheduled catch-up. */
  async putProductFeedback(workspaceId: string, settings: ProductFeedback): Promise<void> {
    const listed = settings.enabled ? { ...keys.productFeedbackEnabled(workspaceId, settings.productId), workspaceId } : {};
    await this.table.client.send(
      new PutCommand({ TableName: this.table.name, Item: { ...keys.productFeedback(workspaceId, settings.productId), ...settings, ...listed } }),
    );
  }

  /** The workspaces with at least one product whose feedback is on, from the sparse gsi1 entries (no scan). */
  async listWorkspacesWithFeedback(): Promise<string[]> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :gsi1pk',
      ExpressionAttributeValues: { ':gsi1pk': keys.productsFeedbackEnabled().gsi1pk },
      ProjectionExpression: 'workspaceId',
    });
    return [...new Set(items.map((item) => String(item.workspaceId)))];
  }

  /**
   * Every product of the workspace that has feedback settings, read consistently; with
   * `enabledOnly`, only those whose feedback is on (the inbox app's choices), filtered by DynamoDB.
   */
  async listProductFeedback(workspaceId: string, { enabledOnly = false } = {}): Promise<ProductFeedback[]> {
    const { pk, skPrefix } = keys.productFeedbackPrefix(workspaceId);
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ...(enabledOnly ? { FilterExpression: 'enabled = :true' } : {}),
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix, ...(enabledOnly ? { ':true': true } : {}) },
      ConsistentRead: true,
    });
    return items.map(toProductFeedback);
  }

  /** The headers of these tickets (no messages), in the order asked; a ticket not found is left out. */
  async getTicketHeaders(ticketIds: string[]): Promise<Ticket[]> {
    const found = new Map<string, Ticket>();
    for (let start = 0; start < ticketIds.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, any>[] = ticketIds.slice(start, start + BATCH_GET_LIMIT).map((id) => keys.ticket(id));
      while (pending.length > 0) {
        const page = await this.table.client.send(new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of page.Responses?.[this.table.name] ?? []) found.set(item.id, toTicket(item));
        pending = page.UnprocessedKeys?.[this.table.name]?.Keys ?? [];
      }
    }
    return ticketIds.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  /**
   * What a list shows of a conversation's tickets, in their order: from the lookups that carry the
   * title, else from the ticket's header (one BatchGetItem for those, none when all carry it); a
   * ticket whose header is not found is left out.
   */
  async listedTickets(tickets: ConversationTicket[]): Promise<ListedTicketHeader[]> {
    const headers = new Map((await this.getTicketHeaders(tickets.filter((t) => t.title === undefined).map((t) => t.ticketId))).map((h) => [h.id, h]));
    return tickets.flatMap((t): ListedTicketHeader[] => {
      if (t.title !== undefined) return [{ id: t.ticketId, productId: t.productId, title: t.title }];
      const header = headers.get(t.ticketId);
      return header ? [header] : [];
    });
  }

  /** The conversation's tickets and remembered redactions, read consistently. */
  async conversationState(workspaceId: string, conversationId: string): Promise<ConversationState> {
    const state: ConversationState = { tickets: [], redactedMessageIds: new Set(), syncedUpdatedAt: null };
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversation(workspaceId, conversationId).pk },
      ConsistentRead: true,
    });
    for (const item of items) {
      if (String(item.sk).startsWith('TICKET#')) state.tickets.push(toConversationTicket(item));
      else if (String(item.sk).startsWith('REDACTED#')) state.redactedMessageIds.add(item.messageId);
      else if (item.sk === 'SYNCED') state.syncedUpdatedAt = item.updatedAt;
    }
    return state;
  }

  /** The conversation's tickets alone (not its redactions), read consistently. */
  async conversationTickets(workspaceId: string, conversationId: string): Promise<ConversationTicket[]> {
    const { pk, skPrefix } = keys.conversationTickets(workspaceId, conversationId);
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
    });
    return items.map(toConversationTicket);
  }

  /**
   * Stores a new ticket: its messages first, then the header and the conversation lookup in one
   * transaction, so the inbox never shows a half-written ticket and a retry completes one.
   * Returns false when the ticket already existed. `alongside` goes into the same transaction (the
   * link-back note's intent), so it exists exactly when the ticket does.
   */
  async createTicket(ticket: Ticket, messages: TicketMessage[], alongside: TransactItem[] = []): Promise<boolean> {
    await this.putMessages(ticket.id, messages);
    const failed = await transactWrite(this.table, [
      {
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.ticket(ticket.id),
            ...keys.ticketInbox(ticket.workspaceId, ticket.productId, ticket.createdAt, ticket.id),
            ...ticket,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table.name,
          Item: {
            ...keys.conversationTicket(ticket.workspaceId, ticket.intercom.conversationId, ticket.productId),
            productId: ticket.productId,
            ticketId: ticket.id,
            // For lists of the conversation's tickets (see ConversationTicket); blanked with the header's by redact.
            title: ticket.title,
            titleMessageId: ticket.titleSource.kind === 'message' ? ticket.titleSource.messageId : null,
          },
        },
      },
      ...alongside,
    ]);
    return failed.length === 0;
  }

  /** Adds messages the ticket does not have yet; a message already stored is never overwritten. */
  async putMessages(ticketId: string, messages: TicketMessage[]): Promise<TicketMessage[]> {
    const added: TicketMessage[] = [];
    const queue = [...messages];
    const worker = async () => {
      for (let message = queue.shift(); message; message = queue.shift()) {
        try {
          await this.table.client.send(
            new PutCommand({
              TableName: this.table.name,
              Item: { ...keys.ticketMessage(ticketId, message.id), ticketId, ...message },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          added.push(message);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, messages.length) }, worker));
    return added;
  }

  async touchTicket(ticketId: string, now: Date): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.ticket(ticketId),
        UpdateExpression: 'SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    ).catch(ignoreConditionFailure);
  }

  /**
   * Marks a ticket's conversation deleted in Intercom. The first time found is kept, so a later
   * event about the same conversation changes nothing.
   */
  async markConversationDeleted(ticketId: string, now: Date): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.ticket(ticketId),
        UpdateExpression: 'SET intercom.deletedAt = :now, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(intercom.deletedAt) OR intercom.deletedAt = :null)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':null': null },
      }),
    ).catch(ignoreConditionFailure);
  }

  /**
   * Records that the conversation's tickets were brought up to date with the conversation as of its
   * `updated_at` (unix seconds). Only ever moves forward, so a slower sync of an older copy cannot
   * make a newer one look undone.
   */
  async recordSynced(workspaceId: string, conversationId: string, updatedAt: number, now: Date): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.conversationSynced(workspaceId, conversationId),
        UpdateExpression: 'SET updatedAt = :updatedAt, syncedAt = :now',
        ConditionExpression: 'attribute_not_exists(updatedAt) OR updatedAt < :updatedAt',
        ExpressionAttributeValues: { ':updatedAt': updatedAt, ':now': now.toISOString() },
      }),
    ).catch(ignoreConditionFailure);
  }

  /** Remembers a redaction, so a ticket or message that appears later is blanked too. */
  async rememberRedaction(workspaceId: string, conversationId: string, messageId: string): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.conversationRedaction(workspaceId, conversationId, messageId), messageId },
      }),
    );
  }

  /**
   * Blanks a message of a ticket, and the ticket's title or excerpt where they were taken from it.
   * Conditional updates: a message that is not stored yet is left to whoever stores it. A title
   * taken from the message is blanked on the conversation's lookup first, then on the header, so a
   * retry after a failure between the two still finds the header's title to blank.
   */
  async redact(ticketId: string, messageId: string, fallbackTitle: string, now: Date): Promise<void> {
    const update = (input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) =>
      this.table.client.send(new UpdateCommand({ TableName: this.table.name, ...input })).catch(ignoreConditionFailure);
    const blankTitle = async () => {
      const { Item: header } = await this.table.client.send(
        new GetCommand({
          TableName: this.table.name,
          Key: keys.ticket(ticketId),
          ProjectionExpression: 'workspaceId, productId, intercom.conversationId, titleSource',
          ConsistentRead: true,
        }),
      );
      if (header?.titleSource?.messageId !== messageId) return;
      await update({
        Key: keys.conversationTicket(header.workspaceId, header.intercom.conversationId, header.productId),
        UpdateExpression: 'SET title = :title, titleMessageId = :null',
        ConditionExpression: 'titleMessageId = :id',
        ExpressionAttributeValues: { ':title': fallbackTitle, ':null': null, ':id': messageId },
      });
      await update({
        Key: keys.ticket(ticketId),
        UpdateExpression: 'SET title = :title, titleSource = :fallback, updatedAt = :now',
        ConditionExpression: 'titleSource.messageId = :id',
        ExpressionAttributeValues: { ':title': fallbackTitle, ':fallback': { kind: 'fallback' }, ':id': messageId, ':now': now.toISOString() },
      });
    };
    await Promise.all([
      update({
        Key: keys.ticketMessage(ticketId, messageId),
        UpdateExpression: 'SET body = :empty, redacted = :true',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':empty': '', ':true': true },
      }),
      blankTitle(),
      update({
        Key: keys.ticket(ticketId),
        UpdateExpression: 'SET excerpt = :empty, updatedAt = :now',
        ConditionExpression: 'excerptMessageId = :id',
        ExpressionAttributeValues: { ':empty': '', ':id': messageId, ':now': now.toISOString() },
      }),
    ]);
  }

  /** A ticket with its messages (unsorted), or undefined; `consistent` for writers that decide from it. */
  async getTicket(ticketId: string, options: { consistent?: boolean } = {}): Promise<{ ticket: Ticket; messages: TicketMessage[] } | undefined> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.ticket(ticketId).pk },
      ...(options.consistent ? { ConsistentRead: true } : {}),
    });
    const header = items.find((item) => item.sk === 'TICKET');
    if (!header) return undefined;
    return {
      ticket: toTicket(header),
      messages: items.filter((item) => String(item.sk).startsWith('MESSAGE#')).map(toMessage),
    };
  }

  /** One page of a product's inbox, newest first. */
  async listInbox(workspaceId: string, productId: string, limit: number, cursor: string | undefined) {
    const { gsi1pk } = keys.ticketInbox(workspaceId, productId, '', '');
    const page = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { gsi1pk }),
      }),
    );
    return { tickets: (page.Items ?? []).map(toTicket), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }
}

export function toProductFeedback(item: Record<string, any>): ProductFeedback {
  return {
    productId: item.productId,
    enabled: item.enabled,
    triggerTagIds: item.triggerTagIds ?? [],
    enabledAt: item.enabledAt ?? null,
    productName: item.productName ?? item.productId,
  };
}

function toConversationTicket(item: Record<string, any>): ConversationTicket {
  return { productId: item.productId, ticketId: item.ticketId, ...(typeof item.title === 'string' ? { title: item.title } : {}) };
}

function toTicket(item: Record<string, any>): Ticket {
  return {
    id: item.id,
    workspaceId: item.workspaceId,
    productId: item.productId,
    status: item.status,
    title: item.title,
    titleSource: item.titleSource,
    excerpt: item.excerpt,
    excerptMessageId: item.excerptMessageId ?? null,
    customer: item.customer ?? null,
    intercom: { ...item.intercom, deletedAt: item.intercom?.deletedAt ?? null },
    // Tickets stored before the inbox app were all made by tags.
    source: item.source ?? 'tag',
    sentBy: item.sentBy ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

function toMessage(item: Record<string, any>): TicketMessage {
  return {
    id: item.id,
    author: item.author,
    kind: item.kind,
    body: item.body,
    createdAt: item.createdAt,
    redacted: item.redacted,
  };
}
