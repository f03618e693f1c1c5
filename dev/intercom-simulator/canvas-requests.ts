import { createHmac } from 'node:crypto';
import { contactView } from './contact.serializer';
import { ControlError } from './control-error';
import type { CanvasInitializeInput, CanvasSubmitInput } from './control.schema';
import { conversationView } from './conversation.serializer';
import type { SimulatorState } from './simulator-state';
import { attemptDelivery } from './webhook-delivery';

/*
 * Canvas Kit requests, as Intercom sends them to an inbox app (FACTS §9.1): the body of
 * `InitializeRequest` / `SubmitRequest` (intercom-client's types; Intercom's OpenAPI 2.11
 * `initialize_request` and `submit_request`), built from the workspace's own conversation, admin
 * and contact, signed with `X-Body-Signature: <hex HMAC-SHA256 of the body>` keyed with the app's
 * client secret: the workspace's for its private app, the OAuth app's for an install of it.
 */

export interface CanvasExchange {
  /** The request as sent. */
  body: string;
  headers: Record<string, string>;
  url: string;
  /** The service's answer; null status when it did not answer (or `dryRun`). */
  status: number | null;
  response: unknown;
  responseText: string;
  error: string | null;
  durationMs: number;
}

/** Intercom caps a canvas's content and stored data at 64 KB each; anything longer is kept whole up to this. */
const CANVAS_RESPONSE_LIMIT = 256 * 1024;

/** `X-Body-Signature` for a body. */
export function signCanvasBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function signingSecret(state: SimulatorState, appId: string, input: CanvasInitializeInput): string {
  if (input.secret !== undefined) return input.secret;
  if (input.clientId === undefined) return state.workspace(appId).settings.clientSecret;
  const client = state.oauthClient(input.clientId);
  if (!state.isInstalled(client.clientId, appId)) throw new ControlError(400, 'invalid_request', `OAuth app ${client.clientId} is not installed in ${appId}`);
  return client.clientSecret;
}

/** The body of an initialize request, or of a submit request when `submit` is given. */
export function canvasRequestBody(state: SimulatorState, appId: string, input: CanvasInitializeInput, submit?: CanvasSubmitInput): Record<string, unknown> {
  const workspace = state.workspace(appId);
  const conversation = workspace.conversation(input.conversationId);
  const admin = workspace.admin(input.adminId);
  const contactRecord = conversation.contactIds.map((id) => workspace.contacts.getIncludingArchived(id)).find((record) => record !== undefined);
  const contact = contactRecord
    ? contactView(contactRecord, { appId, apiVersion: workspace.settings.apiVersion, flavor: 'rest', tags: workspace.tags })
    : null;
  const body: Record<string, unknown> = {
    workspace_id: appId,
    workspace_region: workspace.settings.region.toLowerCase(),
    admin: { type: 'admin', id: admin.id, name: admin.name, email: admin.email, away_mode_enabled: false, away_mode_reassign: false, has_inbox_seat: true, team_ids: [] },
    card_creation_options: {},
    context: { conversation_id: Number(conversation.id), location: 'conversation', locale: 'en' },
    conversation: conversationView(workspace, conversation, { flavor: 'rest', apiVersion: workspace.settings.apiVersion, plaintext: false }),
    contact,
  };
  if (!submit) return body;
  return {
    ...body,
    component_id: submit.componentId ?? 'send',
    input_values: submit.inputValues ?? {},
    current_canvas: submit.currentCanvas ?? { content: { components: [] } },
    user: contact,
  };
}

/** Builds, signs and (unless `dryRun`) sends a Canvas Kit request; answers what the service said. */
export async function sendCanvasRequest(
  state: SimulatorState,
  appId: string,
  input: CanvasInitializeInput,
  submit?: CanvasSubmitInput,
): Promise<CanvasExchange> {
  const body = JSON.stringify(canvasRequestBody(state, appId, input, submit));
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'User-Agent': 'Intercom-Canvas-Kit',
    'X-Body-Signature': signCanvasBody(body, signingSecret(state, appId, input)),
  };
  if (input.dryRun) return { body, headers, url: input.url, status: null, response: null, responseText: '', error: null, durationMs: 0 };
  const answer = await attemptDelivery(input.url, { body, headers }, 1, input.timeoutMs ?? 10_000, CANVAS_RESPONSE_LIMIT);
  let response: unknown = null;
  try {
    response = answer.responseBody ? JSON.parse(answer.responseBody) : null;
  } catch {
    response = null;
  }
  return { body, headers, url: input.url, status: answer.status, response, responseText: answer.responseBody, error: answer.error, durationMs: answer.durationMs };
}
