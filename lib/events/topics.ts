/** The webhook topics that make feedback tickets follow their conversations. */
export const FEEDBACK_TOPICS = [
  'conversation_part.tag.created',
  'conversation.admin.noted',
  'conversation.admin.replied',
  'conversation.operator.replied',
  'conversation.user.replied',
  'conversation_part.redacted',
] as const;

/** The webhook topics that keep synced contacts current. */
export const CONTACT_TOPICS = [
  'contact.user.created',
  'contact.lead.created',
  'contact.user.updated',
  'contact.lead.updated',
  'contact.lead.signed_up',
  'contact.unarchive',
  'contact.deleted',
  'contact.archived',
  'contact.merged',
] as const;

export type FeedbackTopic = (typeof FEEDBACK_TOPICS)[number];
export type ContactTopic = (typeof CONTACT_TOPICS)[number];

/** Every topic the events worker applies; the intake queues these and acknowledges the rest. */
export const SUPPORTED_TOPICS: ReadonlySet<string> = new Set<string>([...FEEDBACK_TOPICS, ...CONTACT_TOPICS]);
