/**
 * The API's shapes, taken from the use cases the handlers answer with. Type-only imports: nothing
 * of lib/ reaches the bundle, yet a change to a response shape breaks the console's typecheck.
 */
import type { z } from 'zod';
import type { getStatus, listTags } from '../../lib/connect/manage-connection';
import type { settingsBody, tokenConnectBody, webhookSecretBody, oauthCompleteBody } from '../../lib/connect/requests.schema';
import type { startOAuth } from '../../lib/connect/oauth';
import type { setWebhookSecret } from '../../lib/connect/webhook-secret';
import type { connectWithToken } from '../../lib/connect/connect-token';
import type { Contact } from '../../lib/contacts/contact';
import type { previewCanvas } from '../../lib/canvas/inbox-app';
import type { listContacts } from '../../lib/contacts/list-contacts';
import type {
  getFeedbackTicket,
  getProductFeedback,
  listFeedback,
  productFeedbackBody,
} from '../../lib/feedback/manage-feedback';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

/** `GET .../intercom`, and the answer of every call that changes the connection. */
export type Status = Answer<typeof getStatus>;
export type TokenConnectAnswer = Answer<typeof connectWithToken>;
export type TagList = Answer<typeof listTags>;
export type Tag = TagList['tags'][number];
export type OAuthStartAnswer = Answer<typeof startOAuth>;
export type WebhookSecretAnswer = Answer<typeof setWebhookSecret>;
export type ProductFeedback = Answer<typeof getProductFeedback>;
export type Inbox = Answer<typeof listFeedback>;
export type TicketSummary = Inbox['tickets'][number];
export type Ticket = Answer<typeof getFeedbackTicket>;
export type TicketMessage = Ticket['messages'][number];
export type ContactPage = Answer<typeof listContacts>;
/** `GET .../intercom/inbox-app/preview`: the inbox app's canvas for a conversation. */
export type CanvasPreview = Answer<typeof previewCanvas>;
export type { Contact };

export type SettingsPatch = z.input<typeof settingsBody>;
export type TokenConnectBody = z.input<typeof tokenConnectBody>;
export type WebhookSecretBody = z.input<typeof webhookSecretBody>;
export type OAuthCompleteBody = z.input<typeof oauthCompleteBody>;
export type ProductFeedbackBody = z.input<typeof productFeedbackBody>;

/** The error contract of lib/platform/http.ts: a code, a message, and details by error. */
export interface ApiErrorBody {
  error: { code: string; message: string; missing?: string[]; unknownTagIds?: string[]; [detail: string]: unknown };
}

/** `config.json` next to index.html (dev/console-server.ts writes it locally). */
export interface ConsoleConfig {
  apiUrl: string;
  workspaceId: string;
  products: Array<{ id: string; name: string }>;
  jwt?: string;
  simulatorUrl?: string;
}
