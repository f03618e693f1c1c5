import type { TopicHandler } from '../events/dispatch-event';
import type { FeedbackTopic } from '../events/topics';
import type { Dependencies } from '../platform/dependencies';
import { appendConversationParts, createTicketsFromTag, redactConversationParts } from './feedback-events';

/** The webhook topics that feed feedback tickets. */
export function feedbackTopics(deps: Dependencies): Record<FeedbackTopic, TopicHandler> {
  const append = (event: Parameters<typeof appendConversationParts>[1]) => appendConversationParts(deps, event);
  return {
    'conversation_part.tag.created': (event) => createTicketsFromTag(deps, event),
    'conversation.admin.noted': append,
    'conversation.admin.replied': append,
    'conversation.operator.replied': append,
    'conversation.user.replied': append,
    'conversation_part.redacted': (event) => redactConversationParts(deps, event),
  };
}
