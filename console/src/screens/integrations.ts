import { CONTACT_TOPICS, FEEDBACK_TOPICS } from '../../../lib/events/topics';
import { ApiError } from '../api';
import type { App } from '../app';
import { alertRegion, facts, fill, formatTime, h, toggle } from '../dom';
import type {
  OAuthCompleteBody,
  OAuthStartAnswer,
  SettingsPatch,
  Status,
  TokenConnectAnswer,
  TokenConnectBody,
  WebhookSecretAnswer,
  WebhookSecretBody,
} from '../types';

/** What Intercom's consent page sent back through the API's callback (taken out of the URL at start). */
export interface OAuthReturn {
  code: string | null;
  state: string | null;
  error: string | null;
}

const OAUTH_ERRORS: Record<string, string> = {
  access_denied: 'Intercom access was not authorized on the consent page.',
  state_expired: 'The authorization took longer than 10 minutes; start again.',
  state_already_used: 'This authorization was already used; start again.',
  invalid_state: 'The authorization came back altered or from elsewhere; start again.',
};

/** Workspace settings → Integrations → Intercom: connect, webhook, status, switches, disconnect. */
export async function integrationsScreen(app: App, main: HTMLElement, oauth: OAuthReturn | null): Promise<void> {
  const alert = alertRegion();
  const notice = h('p', { class: 'notice', 'aria-live': 'polite' });
  const content = h('div', { class: 'stack' });
  main.append(
    h('h1', {}, 'Integrations: Intercom'),
    h('p', { class: 'lead' }, 'Create feedback tickets from Intercom conversations and mirror Intercom contacts in Timebook.'),
    alert.element,
    notice,
    content,
  );
  const say = (text: string) => fill(notice, text);

  if (oauth) {
    if (oauth.error || !oauth.code || !oauth.state) {
      const code = oauth.error ?? 'missing_code';
      alert.show(new ApiError(400, code, OAUTH_ERRORS[code] ?? 'Intercom sent the browser back without connecting.'));
    } else {
      say('Completing the connection with Intercom…');
      try {
        const body: OAuthCompleteBody = { code: oauth.code, state: oauth.state };
        const status = await app.api<Status>('POST', '/intercom/oauth/complete', body);
        say(`Connected to ${status.intercom?.name ?? 'Intercom'} by OAuth.`);
      } catch (error) {
        say('');
        alert.show(error);
      }
    }
  }

  const load = async () => {
    try {
      render(await app.api<Status>('GET', '/intercom'));
    } catch (error) {
      alert.show(error);
    }
  };

  const statusFacts = h('div', { 'aria-live': 'polite' });
  const renderFacts = (status: Status) => {
    const state =
      status.status === 'connected'
        ? h('span', { class: 'badge ok' }, 'Connected')
        : status.status === 'needs_reauth'
          ? [h('span', { class: 'badge warn' }, 'Needs re-authorization'), status.reauth ? ` ${status.reauth.reason}` : null]
          : h('span', { class: 'badge off' }, 'Not connected');
    const rows: Array<[string, Parameters<typeof facts>[0][number][1]]> = [['Connection', state]];
    if (status.intercom) {
      rows.push(
        ['Method', status.method === 'oauth' ? 'OAuth (Timebook’s Intercom app)' : 'Access token (your own Intercom app)'],
        ['Intercom workspace', `${status.intercom.name} (${status.intercom.appId})`],
        ['Region', status.intercom.region],
        ['Connected at', formatTime(status.connectedAt)],
        ['Last webhook event', formatTime(status.webhook.lastEventAt)],
        ['Catch-up’s last run', formatTime(status.feedbackSync.lastCatchupAt)],
        ['Recovered by catch-up', String(status.feedbackSync.recovered)],
      );
      if (status.feedbackSync.lastError) rows.push(['Catch-up’s last error', status.feedbackSync.lastError]);
      for (const permission of status.permissions.missingOptional) {
        rows.push(['Optional permission', `Optional permission missing: ${permission}${OPTIONAL_USES[permission] ? ` — ${OPTIONAL_USES[permission]}` : ''}`]);
      }
      const failed = status.writeBack.failedTickets.length;
      if (failed > 0 || status.writeBack.lastError) {
        rows.push(['Write-back failures', `${failed} note${failed === 1 ? '' : 's'} not posted yet`]);
        if (status.writeBack.lastError) rows.push(['Write-back’s last error', `${status.writeBack.lastError} (${formatTime(status.writeBack.lastErrorAt)})`]);
      }
    }
    fill(statusFacts, facts(rows));
  };

  const inboxAppCard = h('div', {});
  const render = (status: Status) => {
    renderFacts(status);
    fill(inboxAppCard, inboxAppSection(status));
    fill(
      content,
      section('status-heading', 'Status', statusFacts),
      status.status !== 'connected' ? connectSection(status) : null,
      status.connected && status.method === 'token' ? webhookSection(status) : null,
      status.connected && status.method === 'oauth'
        ? section('webhook-heading', 'Webhook', h('p', {}, 'Timebook’s Intercom app delivers the webhooks to ', h('code', {}, status.webhook.url ?? ''), ': there is nothing to subscribe.'))
        : null,
      status.connected ? syncSection(status) : null,
      status.connected ? inboxAppCard : null,
      status.connected ? disconnectSection() : null,
    );
  };

  const connectSection = (status: Status) => {
    const methodOAuth = h('input', { type: 'radio', name: 'method', id: 'method-oauth', value: 'oauth', checked: true });
    const methodToken = h('input', { type: 'radio', name: 'method', id: 'method-token', value: 'token' });
    const oauthPanel = h(
      'div',
      { class: 'panel' },
      h('p', {}, 'OAuth asks only for the permissions the integration needs. You authorize access on Intercom’s page, then come back here.'),
      h('button', {
        type: 'button',
        onclick: async (event: Event) => {
          const button = event.currentTarget as HTMLButtonElement;
          alert.clear();
          button.disabled = true;
          try {
            const { authorizeUrl } = await app.api<OAuthStartAnswer>('POST', '/intercom/oauth/start');
            location.assign(authorizeUrl);
          } catch (error) {
            alert.show(error);
            button.disabled = false;
          }
        },
      }, 'Connect with OAuth'),
    );
    const tokenInput = h('input', { type: 'password', id: 'access-token', name: 'accessToken', required: true, autocomplete: 'off', spellcheck: 'false' });
    const tokenPanel = h(
      'form',
      {
        class: 'panel',
        hidden: true,
        onsubmit: async (event: Event) => {
          event.preventDefault();
          const button = (event.currentTarget as HTMLFormElement).querySelector('button')!;
          alert.clear();
          button.disabled = true;
          try {
            const body: TokenConnectBody = { accessToken: tokenInput.value.trim() };
            const answer = await app.api<TokenConnectAnswer>('POST', '/intercom/token', body);
            say(`Connected to ${answer.intercom?.name ?? 'Intercom'} by access token. ${answer.permissions.unverifiable.map((item) => `${item.permission}: ${item.reason}`).join(' ')}`);
            await load();
          } catch (error) {
            alert.show(error);
            button.disabled = false;
          }
        },
      },
      h('p', {}, 'Create an app in Intercom’s Developer Hub with these permissions: Read and list users and companies, Read and write users, Read one user and one company, Read conversations, Read tags, Read admins. Then copy its access token from the Authentication page.'),
      h('label', { for: 'access-token' }, 'Intercom access token'),
      tokenInput,
      h('button', { type: 'submit' }, 'Connect'),
    );
    const choose = () => {
      oauthPanel.hidden = !methodOAuth.checked;
      tokenPanel.hidden = !methodToken.checked;
    };
    methodOAuth.addEventListener('change', choose);
    methodToken.addEventListener('change', choose);
    return section(
      'connect-heading',
      status.status === 'needs_reauth' ? 'Connect again' : 'Connect',
      h(
        'fieldset',
        { class: 'methods' },
        h('legend', {}, 'Method'),
        h('div', { class: 'choice' }, methodOAuth, h('label', { for: 'method-oauth' }, 'OAuth')),
        h('div', { class: 'choice' }, methodToken, h('label', { for: 'method-token' }, 'Access token')),
      ),
      oauthPanel,
      tokenPanel,
    );
  };

  const webhookSection = (status: Status) => {
    const secretInput = h('input', { type: 'password', id: 'client-secret', name: 'clientSecret', required: true, autocomplete: 'off', spellcheck: 'false' });
    const url = copyField('webhook-url', 'Webhook URL', status.webhook.secretConfigured ? status.webhook.url ?? '' : '', 'Copy');
    const form = h(
      'form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          const button = form.querySelector('button')!;
          alert.clear();
          button.disabled = true;
          try {
            const body: WebhookSecretBody = { clientSecret: secretInput.value.trim() };
            const { webhookUrl } = await app.api<WebhookSecretAnswer>('PUT', '/intercom/webhook-secret', body);
            url.setValue(webhookUrl);
            secretInput.value = '';
            say('Webhook URL generated. Subscribe it in your Intercom app.');
            // The client secret signs the inbox app's requests too: its URLs exist now.
            void app.api<Status>('GET', '/intercom').then((updated) => {
              renderFacts(updated);
              fill(inboxAppCard, inboxAppSection(updated));
            }, () => undefined);
          } catch (error) {
            alert.show(error);
          } finally {
            button.disabled = false;
          }
        },
      },
      h('label', { for: 'client-secret' }, 'Client secret'),
      h('p', { class: 'hint', id: 'client-secret-hint' }, 'From your Intercom app’s Basic information page. A new secret keeps the same URL.'),
      secretInput,
      h('button', { type: 'submit' }, 'Generate webhook URL'),
    );
    secretInput.setAttribute('aria-describedby', 'client-secret-hint');
    return section(
      'webhook-heading',
      'Webhook',
      form,
      url.element,
      h('p', {}, 'In your Intercom app’s Webhooks page, paste the URL as the Endpoint URL and subscribe these topics:'),
      h('div', { class: 'topics' },
        h('div', {}, h('h3', {}, 'Feedback'), h('ul', { class: 'topic-list' }, FEEDBACK_TOPICS.map((topic) => h('li', {}, h('code', {}, topic))))),
        h('div', {}, h('h3', {}, 'Contacts'), h('ul', { class: 'topic-list' }, CONTACT_TOPICS.map((topic) => h('li', {}, h('code', {}, topic))))),
      ),
    );
  };

  const syncSection = (status: Status) => {
    const change = async (patch: SettingsPatch, input: HTMLInputElement, what: string) => {
      alert.clear();
      input.disabled = true;
      try {
        const updated = await app.api<Status>('PATCH', '/intercom/settings', patch);
        renderFacts(updated);
        input.checked = Boolean(patch.syncFeedback ?? patch.syncContacts ?? patch.writeBack);
        say(`${what} is ${input.checked ? 'on' : 'off'}.`);
      } catch (error) {
        input.checked = !input.checked;
        alert.show(error);
        // A refusal may have changed what the status says (write-back checks the permission again).
        void app.api<Status>('GET', '/intercom').then(renderFacts, () => undefined);
      } finally {
        input.disabled = false;
      }
    };
    const feedback = toggle({ id: 'sync-feedback', label: 'Sync feedback', checked: status.settings.syncFeedback, onChange: (on) => change({ syncFeedback: on }, feedback.input, 'Feedback sync') });
    const contacts = toggle({ id: 'sync-contacts', label: 'Sync contacts', checked: status.settings.syncContacts, onChange: (on) => change({ syncContacts: on }, contacts.input, 'Contact sync') });
    const writeBack = toggle({ id: 'write-back', label: 'Write back to Intercom', checked: status.settings.writeBack, onChange: (on) => change({ writeBack: on }, writeBack.input, 'Write-back') });
    return section(
      'sync-heading',
      'Synchronization',
      feedback.element,
      h('p', { class: 'hint' }, 'Conversations tagged with a product’s trigger tag appear in that product’s feedback inbox. Pick the tags in ',
        app.config.products.map((product, index) => [index > 0 ? ', ' : null, app.link(`/products/${product.id}/settings`, `${product.name}’s feedback settings`)]), '.'),
      contacts.element,
      h('p', { class: 'hint' }, 'Every Intercom contact is copied at once, then new and changed ones follow. Progress: ', app.link('/contacts', 'Contacts'), '.'),
      writeBack.element,
      h('p', { class: 'hint' }, 'Each new ticket posts one internal note on its conversation, “Sent to Timebook: <product> — <link>”, as the teammate who tagged or sent it. Needs the “Write conversations” permission. The note never becomes a message of the ticket.'),
    );
  };

  const inboxAppSection = (status: Status) => {
    const { initializeUrl, submitUrl } = status.inboxApp;
    return section(
      'inbox-app-heading',
      'Inbox app',
      h('p', {}, 'Agents send a conversation to a product from the Intercom inbox’s conversation details, and see its Timebook tickets there.'),
      initializeUrl && submitUrl
        ? h('div', {},
            copyField('inbox-app-initialize-url', 'Initialize URL', initializeUrl).element,
            copyField('inbox-app-submit-url', 'Submit URL', submitUrl).element,
            h('p', {}, status.method === 'oauth'
              ? 'Timebook’s Intercom app has these URLs already: add the app to the conversation details sidebar of your inbox.'
              : 'In Intercom’s Developer Hub, open your app’s Canvas Kit page, choose the Inbox location “Within the Conversation Details”, and paste the initialize URL and the submit URL; then add the app to the conversation details sidebar of your inbox.'),
          )
        : h('p', {}, 'Generate the webhook URL first: the client secret signs the inbox app’s requests too.'),
    );
  };

  const disconnectSection = () =>
    section(
      'disconnect-heading',
      'Disconnect',
      h('p', {}, 'Stops all syncing and forgets the token and client secret; the webhook URL stops working. Tickets and contacts stay.'),
      h('button', {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (!window.confirm('Disconnect Intercom? Syncing stops and the webhook URL stops working.')) return;
          alert.clear();
          try {
            await app.api<void>('DELETE', '/intercom');
            say('Intercom is disconnected.');
            await load();
          } catch (error) {
            alert.show(error);
          }
        },
      }, 'Disconnect Intercom'),
    );

  await load();
}

/** What each optional permission the status can list is needed for. */
const OPTIONAL_USES: Record<string, string> = { 'Write conversations': 'needed for write-back' };

/**
 * A read-only URL with its own copy button (disabled while there is no URL); `setValue` shows a
 * new URL. The button says "Copy <label>" unless `buttonText` is given.
 */
function copyField(id: string, label: string, value: string, buttonText = `Copy ${label.charAt(0).toLowerCase()}${label.slice(1)}`) {
  const output = h('input', { type: 'text', id, readonly: true, value });
  const copied = h('span', { class: 'hint', 'aria-live': 'polite' });
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    disabled: !value,
    onclick: async () => {
      fill(copied, (await copyText(output)) ? 'Copied to the clipboard.' : 'Select the URL and copy it (Ctrl+C).');
    },
  }, buttonText);
  return {
    element: h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'row' }, output, button), copied),
    setValue(next: string) {
      output.value = next;
      button.disabled = !next;
      fill(copied, '');
    },
  };
}

function section(id: string, title: string, ...children: Array<Node | null>): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/** The clipboard API where allowed, else the selection and the copy command. */
async function copyText(input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}
