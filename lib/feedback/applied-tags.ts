import { partsOf, type IntercomAppliedTag, type IntercomConversation } from '../intercom/conversation.schema';

export interface AppliedTag {
  id: string;
  /** Unix seconds: the tag's `applied_at` where Intercom sends one, else the notification's `created_at`. */
  appliedAt: number;
}

/** How far before the notification a tag found only on the fetched conversation may have been applied. */
export const RECENT_TAG_WINDOW_SECONDS = 300;

/**
 * The tags a `conversation_part.tag.created` notification applied, from the payload alone:
 * 1.x `tags_added.tags`, else the tags on the notified part(s), else `item.tag`.
 * Undefined when the payload names none, and the conversation must be fetched.
 */
export function appliedTagsFromPayload(item: IntercomConversation, notifiedAt: number): AppliedTag[] | undefined {
  const knownTimes = new Map<string, number>();
  for (const tag of item.tags?.tags ?? []) if (tag.applied_at) knownTimes.set(tag.id, tag.applied_at);
  const applied = (tags: IntercomAppliedTag[]) =>
    dedupe(tags.map((tag) => ({ id: tag.id, appliedAt: tag.applied_at ?? knownTimes.get(tag.id) ?? notifiedAt })));

  const added = item.tags_added?.tags ?? [];
  if (added.length > 0) return applied(added);
  const onParts = partsOf(item).flatMap((part) => part.tags ?? []);
  if (onParts.length > 0) return applied(onParts);
  if (item.tag) return applied([item.tag]);
  return undefined;
}

/**
 * Fallback when the payload names no tag: the conversation's tags applied shortly before the
 * notification or later (a tag applied long ago cannot be what this notification reports).
 */
export function recentlyAppliedTags(conversation: IntercomConversation, notifiedAt: number): AppliedTag[] {
  return dedupe(
    (conversation.tags?.tags ?? [])
      .filter((tag) => tag.applied_at !== null && tag.applied_at !== undefined && tag.applied_at >= notifiedAt - RECENT_TAG_WINDOW_SECONDS)
      .map((tag) => ({ id: tag.id, appliedAt: tag.applied_at! })),
  );
}

function dedupe(tags: AppliedTag[]): AppliedTag[] {
  const byId = new Map<string, AppliedTag>();
  for (const tag of tags) {
    const seen = byId.get(tag.id);
    if (!seen || tag.appliedAt < seen.appliedAt) byId.set(tag.id, tag);
  }
  return [...byId.values()];
}
