import { expect } from 'vitest';
import { SimulatorClient, type CreatedWorkspace, type DeliverResult } from '../../dev/intercom-simulator';
import { waitFor } from '../../dev/processes';
import { adminToken, api, newWorkspaceId } from './api';
import { functionLogText } from './evidence';
import { stack } from './local-stack';

export const simulator = new SimulatorClient(stack.intercomUrl);

/** How many times the events worker logged that it applied this notification. */
export function timesProcessed(notificationId: string): number {
  return functionLogText()
    .split('\n')
    .filter((line) => line.includes('"Webhook event processed"') && line.includes(`"notificationId":"${notificationId}"`)).length;
}

/** Waits until the worker has applied each notification at least `times` times. */
export async function waitUntilProcessed(notificationIds: string[], times = 1, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${notificationIds.length} notifications to be processed`,
    async () => notificationIds.every((id) => timesProcessed(id) >= times),
    timeoutMs,
  );
}

/** A Timebook workspace connected by token to an Intercom workspace, with its webhook URL. */
export interface ConnectedWorkspace {
  workspaceId: string;
  token: string;
  intercom: CreatedWorkspace;
  webhookUrl: string;
  tags: Record<string, string>;
}

export async function connectedWorkspace(
  intercom?: CreatedWorkspace,
  tagNames: string[] = ['Feature request', 'Bug', 'Praise'],
): Promise<ConnectedWorkspace> {
  intercom ??= await simulator.createWorkspace({});
  const existing = (await simulator.getWorkspace(intercom.appId)).counts.tags > 0;
  const created = existing ? [] : (await simulator.createTags(intercom.appId, { names: tagNames })).tags;
  const workspaceId = newWorkspaceId();
  const token = await adminToken([workspaceId]);
  const base = `/v1/workspaces/${workspaceId}/intercom`;
  const connected = await api('POST', `${base}/token`, { token, body: { accessToken: intercom.accessToken } });
  expect(connected.status, connected.text).toBe(200);
  const secret = await api('PUT', `${base}/webhook-secret`, { token, body: { clientSecret: intercom.clientSecret } });
  expect(secret.status, secret.text).toBe(200);
  const liveTags = await api('GET', `${base}/tags`, { token });
  const tags = Object.fromEntries(
    (liveTags.body.tags as { id: string; name: string }[]).map((tag) => [tag.name, tag.id]),
  );
  expect(Object.keys(tags).length).toBeGreaterThanOrEqual(created.length);
  return { workspaceId, token, intercom, webhookUrl: secret.body.webhookUrl, tags };
}

export async function enableFeedback(ws: ConnectedWorkspace, productId: string, tagIds: string[]) {
  const response = await api('PUT', `/v1/workspaces/${ws.workspaceId}/products/${productId}/intercom-feedback`, {
    token: ws.token,
    body: { enabled: true, triggerTagIds: tagIds },
  });
  expect(response.status, response.text).toBe(200);
  return response.body as { enabled: boolean; triggerTagIds: string[]; enabledAt: string };
}

/** Every ticket of the product's inbox, newest first, following the cursor page by page. */
export async function inbox(ws: ConnectedWorkspace, productId: string) {
  const tickets: Array<{ id: string; title: string; excerpt: string; intercom: { conversationId: string } }> = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await api('GET', `/v1/workspaces/${ws.workspaceId}/products/${productId}/feedback?${query}`, { token: ws.token });
    expect(response.status, response.text).toBe(200);
    tickets.push(...response.body.tickets);
    cursor = response.body.nextCursor;
  } while (cursor);
  return tickets;
}

export async function ticket(ws: ConnectedWorkspace, productId: string, ticketId: string) {
  const response = await api('GET', `/v1/workspaces/${ws.workspaceId}/products/${productId}/feedback/${ticketId}`, {
    token: ws.token,
  });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** Delivers one notification about the workspace's Intercom data to its webhook URL. */
export async function deliver(
  ws: ConnectedWorkspace,
  input: Omit<Parameters<SimulatorClient['deliverWebhook']>[0], 'appId' | 'url'>,
): Promise<DeliverResult> {
  const result = await simulator.deliverWebhook({ appId: ws.intercom.appId, url: ws.webhookUrl, ...input });
  for (const delivery of result.deliveries) expect(delivery.status, delivery.responseBody).toBe(200);
  return result;
}

/**
 * Sends every notification at once, each once, and expects each accepted: a 200 with `ok: true`,
 * because serverless-offline answers an HTTP API invocation that failed (a timeout, say) with a 200
 * whose body is the error, where API Gateway answers 5xx and Intercom would retry. Returns the
 * slowest answer's time, in ms.
 */
export async function deliverAllAtOnce(inputs: Array<Parameters<SimulatorClient['deliverWebhook']>[0]>): Promise<number> {
  const results = await Promise.all(inputs.map((input) => simulator.deliverWebhook(input)));
  for (const [index, result] of results.entries()) {
    const answer = result.deliveries[0]!;
    const label = `delivery for conversation ${inputs[index]!.conversationId}`;
    expect(answer.status, label).toBe(200);
    expect(answer.responseBody, label).toContain('"ok":true');
  }
  return Math.max(...results.map((result) => result.deliveries[0]!.durationMs));
}
