import * as z from 'zod';

/*
 * The Canvas Kit requests Intercom sends an inbox app (FACTS §9.1; the official types
 * `InitializeRequest` and `SubmitRequest` of intercom-client, the `initialize_request` and
 * `submit_request` schemas of Intercom's OpenAPI 2.11). Parsed leniently: only what the service
 * reads is checked, and every other field passes.
 */

/** Intercom ids arrive as strings, and some (`context.conversation_id`) as integers. */
const intercomId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an Intercom id'));

const optionalText = z.string().max(500).nullish().transform((value) => value || null);

const canvasRequest = z.object({
  /** The Intercom workspace (`app.id_code`). */
  workspace_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an Intercom workspace id'),
  workspace_region: z.string().optional(),
  /** The teammate viewing the conversation. */
  admin: z.looseObject({ id: intercomId, name: optionalText, email: optionalText }),
  context: z.looseObject({ conversation_id: intercomId.optional(), location: z.string().optional() }).optional(),
  conversation: z.looseObject({ id: intercomId }).nullish(),
  contact: z.looseObject({ id: intercomId.optional() }).nullish(),
});

const withConversation = <T extends z.infer<typeof canvasRequest>>(request: T, context: z.RefinementCtx) => {
  if (!request.conversation?.id && !request.context?.conversation_id) {
    context.addIssue({ code: 'custom', path: ['conversation', 'id'], message: 'the request names no conversation' });
  }
};

export const initializeRequestSchema = canvasRequest.superRefine(withConversation);

export const submitRequestSchema = canvasRequest
  .extend({
    /** The component the teammate clicked. */
    component_id: z.string().min(1).max(200),
    /** What the teammate entered, by component id. */
    input_values: z.record(z.string(), z.unknown()).default({}),
    current_canvas: z.unknown().optional(),
  })
  .superRefine(withConversation);

export type InitializeRequest = z.infer<typeof initializeRequestSchema>;
export type SubmitRequest = z.infer<typeof submitRequestSchema>;

/** The conversation a request is about: `conversation.id`, else `context.conversation_id`. */
export function conversationIdOf(request: InitializeRequest | SubmitRequest): string {
  return (request.conversation?.id ?? request.context?.conversation_id)!;
}

/** The query of an admin's preview of the inbox app: the conversation, as Intercom names it. */
export const previewQuery = z.object({
  conversationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an Intercom conversation id'),
});
