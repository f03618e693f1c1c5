import { join } from 'node:path';
import { mintAdminJwt } from './admin-jwt';
import { apiClient } from './api-client';
import { SimulatorClient } from './intercom-simulator';
import { localSettings } from './local-settings';
import { LOCAL_WEBHOOK_TOPICS } from './local-workspace';
import { oauthFlow } from './oauth-flow';
import { sleep } from './processes';
import { progressLine } from './sync-progress';
import { QUIET_LOCAL_NODE, freePorts, startStack } from './stack';

/**
 * `npm run demo`: the story of the help page, played against the local stack and the bundled
 * Intercom simulator. Every step is read back through the API; the first step that did not
 * really happen stops the demo with exit code 1.
 */

class DemoFailure extends Error {}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new DemoFailure(what);
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DemoFailure(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

const bold = (text: string) => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[0m` : text);
let stepNumber = 0;
function step(title: string): void {
  stepNumber += 1;
  console.log(`\n${bold(`${stepNumber}. ${title}`)}`);
}
const say = (line: string) => console.log(`   ${line}`);

async function main(): Promise<void> {
  Object.assign(process.env, QUIET_LOCAL_NODE);
  const settings = localSettings(process.env);
  console.log(bold('Timebook × Intercom: the whole story on this machine'));
  say('Starting the local stack (DynamoDB Local, SQS, Secrets Manager, Lambdas, Intercom simulator)...');
  const started = Date.now();
  const stack = await startStack({
    ...settings,
    intercomApiBaseUrl: undefined,
    ports: await freePorts(),
    functionLog: { file: join(__dirname, '..', '.local', `demo-functions-${process.pid}.log`) },
    maxVisibilityTimeoutSeconds: 5,
  });
  say(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stack.apiUrl}`);
  try {
    await story(stack.apiUrl, stack.intercomApiUrl, settings);
    console.log(`\n${bold('Every step happened.')} Read back through the API each time.`);
  } finally {
    await stack.stop();
  }
}

async function story(apiUrl: string, intercomUrl: string, settings: ReturnType<typeof localSettings>): Promise<void> {
  const api = apiClient(apiUrl);
  const intercom = new SimulatorClient(intercomUrl);
  const workspaceId = 'ws_acme';
  const token = await mintAdminJwt(settings.adminJwtSecret, {
    sub: 'demo-admin',
    workspaceIds: [workspaceId, 'ws_globex'],
    audience: settings.adminJwtAudience,
  });
  const base = `/v1/workspaces/${workspaceId}`;
  const acme = await intercom.createWorkspace({ name: 'Acme Support', region: 'US' });
  await intercom.createTags(acme.appId, { names: ['Feature request', 'Bug', 'VIP'] });

  step('Connect Intercom with an access token (Method 2)');
  say('The admin pastes the token of their Intercom app and clicks Connect.');
  const connected = await api('POST', `${base}/intercom/token`, { token, body: { accessToken: acme.accessToken } });
  check(connected.status === 200, `token connect answered ${connected.status}: ${connected.text}`);
  say(`Connected to "${connected.body.intercom.name}" (app ${connected.body.intercom.appId}, ${connected.body.intercom.region}).`);
  say(`Permissions checked: ${connected.body.permissions.verified.join(', ')}.`);
  for (const note of connected.body.permissions.unverifiable) say(`Not checkable: ${note.permission}. ${note.reason}`);

  step('Or connect with OAuth (Method 1)');
  const globex = await intercom.createWorkspace({ name: 'Globex Helpdesk', region: 'EU' });
  const oauth = oauthFlow(api, intercom);
  const authorizeUrl = await oauth.start('ws_globex', token);
  say(`The browser opens Intercom's consent page: ${authorizeUrl.origin}${authorizeUrl.pathname}?client_id=…&state=…`);
  const callbackUrl = await oauth.consent(authorizeUrl, globex.appId);
  say('The admin clicks Authorize; Intercom sends the browser back to the callback, which checks the state.');
  const page = await oauth.callback(callbackUrl);
  check(page.pathname.endsWith('/settings/integrations/intercom/oauth') && page.searchParams.has('code'), `OAuth callback sent the browser to ${page}`);
  say(`Back in Timebook at ${page.origin}${page.pathname}?code=…&state=…; the page completes it with the admin's JWT.`);
  const completed = await oauth.complete('ws_globex', token, page);
  check(completed.status === 200, `oauth/complete answered ${completed.status}: ${completed.text}`);
  const globexStatus = await api('GET', '/v1/workspaces/ws_globex/intercom', { token });
  check(globexStatus.body.method === 'oauth' && globexStatus.body.connected, 'the OAuth workspace is not connected');
  say(`Status: ${globexStatus.body.status} by ${globexStatus.body.method} to "${globexStatus.body.intercom.name}".`);

  step('Paste the client secret and get the webhook URL');
  const secret = await api('PUT', `${base}/intercom/webhook-secret`, { token, body: { clientSecret: acme.clientSecret } });
  check(secret.status === 200, `webhook-secret answered ${secret.status}`);
  const webhookUrl: string = secret.body.webhookUrl;
  say(`Webhook URL to paste into the Intercom app: ${webhookUrl}`);
  const subscription = await intercom.setWebhookSubscription(acme.appId, { url: webhookUrl, topics: LOCAL_WEBHOOK_TOPICS });
  say(`The admin pastes it into the app's Webhooks page and picks ${subscription.topics.length} topics; Intercom checks it with HEAD.`);
  const ping = await intercom.pingWebhookSubscription(acme.appId);
  check(ping.attempts[0]?.status === 200, `Intercom's ping got ${ping.attempts[0]?.status ?? 'no answer'}`);
  say('Intercom pings it: 200 OK. From now on Intercom sends every change by itself.');

  step('Switch feedback on for the product "Mobile app" and pick a trigger tag');
  const tags = await api('GET', `${base}/intercom/tags`, { token });
  say(`Tags fetched from Intercom: ${tags.body.tags.map((t: { name: string }) => t.name).join(', ')}`);
  const feature = tags.body.tags.find((t: { name: string }) => t.name === 'Feature request');
  check(feature, 'the tag "Feature request" was not listed');
  const enabled = await api('PUT', `${base}/products/mobile-app/intercom-feedback`, {
    token,
    body: { enabled: true, triggerTagIds: [feature.id], productName: 'Mobile app' },
  });
  check(enabled.status === 200 && enabled.body.enabled, `switching feedback on answered ${enabled.status}`);
  say(`Feedback is on since ${enabled.body.enabledAt}; trigger tag: Feature request.`);
  const writeBack = await api('PATCH', `${base}/intercom/settings`, { token, body: { writeBack: true } });
  check(writeBack.status === 200 && writeBack.body.settings.writeBack, `switching write-back on answered ${writeBack.status}: ${writeBack.text}`);
  say('Write-back is on: each new ticket leaves a note with its link on the conversation.');

  step('An agent tags a conversation in Intercom');
  const conversation = await intercom.createConversation(acme.appId, {
    body: '<p>Could the mobile app work offline? I lose my notes on the train.</p>',
    parts: [{ kind: 'admin_reply', body: '<p>Thanks, I will pass this to the product team.</p>' }],
  });
  await intercom.tagConversation(acme.appId, conversation.id, { tagId: feature.id });
  const summary = await eventually('the ticket in the inbox', async () => {
    const inbox = await api('GET', `${base}/products/mobile-app/feedback`, { token });
    return inbox.body.tickets.find((t: { intercom: { conversationId: string } }) => t.intercom.conversationId === conversation.id);
  });
  say(`New ticket in the Mobile app inbox: "${summary.title}"`);
  say(`Link back to Intercom: ${summary.intercom.url}`);
  const ticketPath = `${base}/products/mobile-app/feedback/${summary.id}`;
  const printTicket = async () => {
    const ticket = await api('GET', ticketPath, { token });
    for (const message of ticket.body.messages) {
      const who = message.author.name ?? message.author.email ?? message.author.type;
      say(`  [${message.kind}] ${who}: ${message.redacted ? '(redacted)' : message.body}`);
    }
    return ticket.body;
  };
  await printTicket();
  const linkBack = await eventually('the link-back note on the conversation', async () => {
    const parts = (await intercom.getConversation(acme.appId, conversation.id)).parts;
    return parts.find((part) => part.partType === 'note' && (part.body ?? '').includes(`/feedback/${summary.id}`));
  });
  say(`Intercom shows the agents an internal note: ${linkBack.body?.replace(/<[^>]*>/g, '')}`);

  step('The customer replies and an agent adds a note');
  const reply = await intercom.addPart(acme.appId, conversation.id, { kind: 'user_reply', body: '<p>Even read-only offline would help.</p>' });
  const note = await intercom.addPart(acme.appId, conversation.id, { kind: 'admin_note', body: '<p>Enterprise customer, 400 seats.</p>' });
  await eventually('the reply and the note on the ticket', async () => {
    const ticket = await api('GET', ticketPath, { token });
    const ids = ticket.body.messages.map((m: { id: string }) => m.id);
    return ids.includes(reply.part.id) && ids.includes(note.part.id) ? true : undefined;
  });
  const withReplies = await printTicket();
  check(withReplies.messages.some((m: { kind: string }) => m.kind === 'note'), 'the note is not kept as a note');

  step('An agent redacts the customer\'s reply in Intercom');
  await intercom.redact(acme.appId, conversation.id, { partId: reply.part.id });
  await eventually('the redaction on the ticket', async () => {
    const ticket = await api('GET', ticketPath, { token });
    const message = ticket.body.messages.find((m: { id: string }) => m.id === reply.part.id);
    return message?.redacted && message.body === '' ? true : undefined;
  });
  await printTicket();
  say('The reply\'s text is gone from the ticket and from the store.');

  step('An agent sends a conversation to the product from the Intercom inbox (the inbox app)');
  const { inboxApp } = (await api('GET', `${base}/intercom`, { token })).body as { inboxApp: { initializeUrl: string; submitUrl: string } };
  say(`Inbox app URLs to paste on the Intercom app's Canvas Kit page (Within the Conversation Details): ${inboxApp.initializeUrl} and ${inboxApp.submitUrl}`);
  const asked = await intercom.createConversation(acme.appId, { body: '<p>Please add a dark mode to the mobile app.</p>' });
  const card = await intercom.canvasInitialize(acme.appId, { url: inboxApp.initializeUrl, conversationId: asked.id });
  check(card.status === 200 && card.responseText.includes('Send to Timebook'), `the inbox app's card answered ${card.status}: ${card.responseText}`);
  say('The agent opens the conversation: the sidebar card says it is not in Timebook yet, with a "Send to Timebook" button.');
  const sent = await intercom.canvasSubmit(acme.appId, { url: inboxApp.submitUrl, conversationId: asked.id, componentId: 'send:mobile-app', inputValues: { title: 'Dark mode' } });
  check(sent.status === 200 && sent.responseText.includes('Sent to Mobile app.'), `the send answered ${sent.status}: ${sent.responseText}`);
  const sentTicket = await eventually('the sent ticket in the inbox', async () => {
    const inbox = await api('GET', `${base}/products/mobile-app/feedback`, { token });
    return inbox.body.tickets.find((t: { intercom: { conversationId: string } }) => t.intercom.conversationId === asked.id);
  });
  say(`The card now shows the ticket "${sentTicket.title}", sent by ${sentTicket.sentBy.name} (source: ${sentTicket.source}); no tag needed.`);

  step('Switch contact sync on: every Intercom contact is copied at once');
  const seeded = await intercom.seedContacts(acme.appId, { count: 2_000, seed: 42 });
  say(`Intercom has ${seeded.total.toLocaleString('en-US')} contacts (users and leads).`);
  const switched = await api('PATCH', `${base}/intercom/settings`, { token, body: { syncContacts: true } });
  check(switched.status === 200 && switched.body.settings.syncContacts, `switching contact sync on answered ${switched.status}`);
  const started = Date.now();
  let lastProgress = '';
  const done = await eventually(
    'the backfill to complete',
    async () => {
      const status = await api('GET', `${base}/intercom`, { token });
      check(status.status === 200, `the status answered ${status.status}: ${status.text}`);
      const sync = status.body.contactsSync;
      const progress = `${sync.synced}/${sync.state}`;
      if (progress !== lastProgress && sync.synced > 0) say(progressLine(sync, (Date.now() - started) / 1000));
      lastProgress = progress;
      check(sync.state !== 'failed', `the backfill failed: ${sync.error}`);
      return sync.state === 'completed' ? sync : undefined;
    },
    180_000,
  );
  check(done.synced === seeded.total, `the backfill synced ${done.synced} of ${seeded.total}`);
  let listed = 0;
  let cursor: string | null = null;
  do {
    const page: { body: { contacts: unknown[]; nextCursor: string | null } } = await api(
      'GET',
      `${base}/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      { token },
    );
    listed += page.body.contacts.length;
    cursor = page.body.nextCursor;
  } while (cursor);
  check(listed === seeded.total, `the contact list has ${listed} of ${seeded.total}`);
  say(`Completed: ${done.synced.toLocaleString('en-US')} contacts, all listed by GET ${base}/contacts.`);

  step('A new contact signs up in Intercom and follows automatically');
  const contact = await intercom.createContact(acme.appId, { role: 'user', email: 'grace@example.org', name: 'Grace Hopper' });
  const arrived = await eventually('the new contact in Timebook', async () => {
    const page = await api('GET', `${base}/contacts?limit=100`, { token });
    check(page.status === 200, `listing contacts answered ${page.status}: ${page.text}`);
    let found = page.body.contacts.find((c: { id: string }) => c.id === contact.id);
    let next: string | null = page.body.nextCursor;
    while (!found && next) {
      const more = await api('GET', `${base}/contacts?limit=100&cursor=${next}`, { token });
      found = more.body.contacts.find((c: { id: string }) => c.id === contact.id);
      next = more.body.nextCursor;
    }
    return found;
  });
  say(`Arrived: ${arrived.name} <${arrived.email}> (${arrived.role}, Intercom id ${arrived.id}).`);
}

main().catch((error: unknown) => {
  console.error(`\nDemo failed: ${(error as Error).message}`);
  process.exit(1);
});
