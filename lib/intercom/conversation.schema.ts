import * as z from 'zod';
import { lazy } from '../platform/lazy';

/*
 * Intercom conversations as REST (`GET /conversations/{id}`) and webhooks deliver them, in the
 * 2.x shape and the legacy 1.x shape (`conversation_message`, `user`, `tags_added`). Lenient:
 * unknown fields pass, most fields may be missing; ids are kept as strings whatever their JSON type.
 */

const schemas = lazy(() => {
  const id = z.union([z.string().min(1), z.number()]).transform(String);

  const author = z.looseObject({
    type: z.string().nullish(),
    id: id.nullish(),
    name: z.string().nullish(),
    email: z.string().nullish(),
  });

  const tag = z.looseObject({
    id,
    name: z.string().nullish(),
    applied_at: z.number().nullish(),
    /** Who applied the tag: `{ type: "admin", id }` for a teammate. */
    applied_by: z.looseObject({ type: z.string().nullish(), id: id.nullish() }).nullish(),
  });

  const tagList = z.looseObject({ tags: z.array(tag).nullish() });

  const part = z.looseObject({
    id,
    part_type: z.string().nullish(),
    body: z.string().nullish(),
    created_at: z.number(),
    author: author.nullish(),
    redacted: z.boolean().nullish(),
    tags: z.array(tag).nullish(),
  });

  const message = z.looseObject({
    id,
    subject: z.string().nullish(),
    body: z.string().nullish(),
    author: author.nullish(),
    redacted: z.boolean().nullish(),
  });

  const conversation = z.looseObject({
    id,
    created_at: z.number(),
    updated_at: z.number().nullish(),
    title: z.string().nullish(),
    source: message.nullish(),
    conversation_message: message.nullish(),
    contacts: z.looseObject({ contacts: z.array(z.looseObject({ id })).nullish() }).nullish(),
    user: author.nullish(),
    tags: tagList.nullish(),
    tags_added: tagList.nullish(),
    tag: tag.nullish(),
    conversation_parts: z.looseObject({ conversation_parts: z.array(part).nullish() }).nullish(),
  });

  /**
   * A page of `POST /conversations/search`: conversations without their parts (OpenAPI
   * `conversation_list_item`), Intercom's `total_count` of matches, and the next page's cursor.
   */
  const conversationList = z.looseObject({
    type: z.literal('conversation.list'),
    conversations: z.array(conversation),
    total_count: z.number().int().nonnegative(),
    pages: z
      .looseObject({
        next: z.looseObject({ starting_after: z.string().nullish() }).nullish(),
      })
      .nullish(),
  });
  return { conversation, conversationList, part, author, tag };
});

/** A conversation (`GET /conversations/{id}`, a reply's answer, a webhook's item). */
export const conversationSchema = () => schemas().conversation;
export const conversationListSchema = () => schemas().conversationList;

type Schemas = ReturnType<typeof schemas>;
export type IntercomConversationList = z.infer<Schemas['conversationList']>;

export type IntercomConversation = z.infer<Schemas['conversation']>;
export type IntercomConversationPart = z.infer<Schemas['part']>;
export type IntercomAuthor = z.infer<Schemas['author']>;
export type IntercomAppliedTag = z.infer<Schemas['tag']>;

/** The first message: `source` in 2.x, `conversation_message` in 1.x. */
export function firstMessage(conversation: IntercomConversation) {
  return conversation.source ?? conversation.conversation_message ?? null;
}

export function partsOf(conversation: IntercomConversation): IntercomConversationPart[] {
  return conversation.conversation_parts?.conversation_parts ?? [];
}
