import { apiClient } from './api';
import type { App, Screen } from './app';
import { alertRegion, fill, h } from './dom';
import { contactsScreen } from './screens/contacts';
import { inboxScreen } from './screens/inbox';
import { integrationsScreen, type OAuthReturn } from './screens/integrations';
import { productSettingsScreen } from './screens/product-settings';
import { signInScreen } from './screens/sign-in';
import { ticketScreen } from './screens/ticket';
import { session } from './session';
import type { ConsoleConfig } from './types';

export const INTEGRATION_PATH = '/settings/integrations/intercom';
const OAUTH_PATH = `${INTEGRATION_PATH}/oauth`;

interface Route {
  pattern: RegExp;
  keys: string[];
  screen: Screen;
}

/** The OAuth return's code and state (or error), taken from the URL once at start and kept in memory only. */
let oauthReturn: OAuthReturn | null = null;

const routes: Route[] = [
  route(INTEGRATION_PATH, (app, main) => integrationsScreen(app, main, takeOAuthReturn())),
  route(OAUTH_PATH, (app, main) => integrationsScreen(app, main, takeOAuthReturn())),
  route('/products/:productId/settings', productSettingsScreen),
  route('/products/:productId/feedback', inboxScreen),
  route('/products/:productId/feedback/:ticketId', ticketScreen),
  route('/contacts', contactsScreen),
];

function route(path: string, screen: Screen): Route {
  const keys: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:([A-Za-z]+)/g, (_match, key: string) => {
      keys.push(key);
      return '([^/]+)';
    })}/?$`,
  );
  return { pattern, keys, screen };
}

function takeOAuthReturn(): OAuthReturn | null {
  const taken = oauthReturn;
  oauthReturn = null;
  return taken;
}

const base = new URL(document.baseURI).pathname.replace(/\/+$/, '');

/** The route path of the current URL (the part after the base path). */
function currentPath(): string {
  const path = location.pathname;
  return (path.startsWith(base) ? path.slice(base.length) : path) || '/';
}

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  let config: ConsoleConfig;
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`config.json answered ${response.status}`);
    config = (await response.json()) as ConsoleConfig;
  } catch (error) {
    const alert = alertRegion();
    fill(root, h('main', { id: 'main' }, h('h1', {}, 'Timebook admin console'), alert.element));
    alert.show(new Error(`The console could not read its config.json: ${(error as Error).message}`));
    return;
  }

  // Intercom's consent page sent the browser here with code and state: keep them in memory and
  // take them out of the URL (and the history) before anything else runs.
  if (currentPath().replace(/\/$/, '') === OAUTH_PATH) {
    const query = new URLSearchParams(location.search);
    oauthReturn = { code: query.get('code'), state: query.get('state'), error: query.get('error') };
    history.replaceState(null, '', `${base}${INTEGRATION_PATH}`);
  }

  session.restore(config.jwt);
  const api = apiClient(config, () => session.jwt, () => undefined);
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h('nav', { 'aria-label': 'Console' });
  const account = h('div', { class: 'account' });
  let generation = 0;
  let timers: number[] = [];

  const app: App = {
    config,
    api,
    base,
    link(path, text, attributes = {}) {
      const anchor = h('a', { href: `${base}${path}`, ...attributes }, text);
      anchor.addEventListener('click', (event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        app.navigate(path);
      });
      return anchor;
    },
    navigate(path, options = {}) {
      if (options.replace) history.replaceState(null, '', `${base}${path}`);
      else history.pushState(null, '', `${base}${path}`);
      void render();
    },
    productName(productId) {
      return config.products.find((product) => product.id === productId)?.name ?? productId;
    },
    every(ms, task) {
      const mine = generation;
      const tick = () => {
        if (mine !== generation) return;
        timers.push(window.setTimeout(() => void task().catch(() => undefined).finally(tick), ms));
      };
      tick();
    },
    isCurrent: () => false,
  };

  const renderNav = () => {
    const here = currentPath().replace(/\/$/, '');
    const item = (path: string, text: string) => {
      const active = here === path || (path !== INTEGRATION_PATH && here.startsWith(`${path}/`));
      return h('li', {}, app.link(path, text, active ? { 'aria-current': 'page' } : {}));
    };
    const productInput = h('input', { id: 'open-product', name: 'productId', required: true, pattern: '[A-Za-z0-9_-]{1,64}', autocomplete: 'off' });
    fill(
      nav,
      h(
        'ul',
        {},
        item(INTEGRATION_PATH, 'Integrations: Intercom'),
        config.products.map((product) => [
          item(`/products/${product.id}/feedback`, `${product.name}: inbox`),
          item(`/products/${product.id}/settings`, `${product.name}: feedback settings`),
        ]),
        item('/contacts', 'Contacts'),
      ),
      h(
        'form',
        {
          class: 'open-product',
          onsubmit: (event: Event) => {
            event.preventDefault();
            if (productInput.reportValidity()) app.navigate(`/products/${encodeURIComponent(productInput.value.trim())}/feedback`);
          },
        },
        h('label', { for: 'open-product' }, 'Another product id'),
        productInput,
        h('button', { type: 'submit' }, 'Open'),
      ),
    );
  };

  const renderAccount = () => {
    fill(
      account,
      h('span', {}, `Workspace ${config.workspaceId}`),
      session.jwt
        ? h('button', {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              session.signOut();
              void render();
            },
          }, 'Sign out')
        : null,
    );
  };

  const render = async () => {
    generation += 1;
    const mine = generation;
    for (const timer of timers) clearTimeout(timer);
    timers = [];
    app.isCurrent = () => mine === generation;
    renderAccount();
    renderNav();
    main.replaceChildren();
    if (!session.jwt) {
      signInScreen(main, (jwt) => {
        session.signIn(jwt);
        void render();
      });
      return;
    }
    const path = currentPath().replace(/\/$/, '') || '/';
    if (path === '/') {
      app.navigate(INTEGRATION_PATH, { replace: true });
      return;
    }
    const match = routes
      .map((candidate) => ({ candidate, found: candidate.pattern.exec(path) }))
      .find(({ found }) => found !== null);
    if (!match?.found) {
      main.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'No console screen is at ', h('code', {}, location.pathname), '.'));
      document.title = 'Not found · Timebook console';
      return;
    }
    const params = Object.fromEntries(match.candidate.keys.map((key, index) => [key, decodeURIComponent(match.found![index + 1]!)]));
    await match.candidate.screen(app, main, params);
    if (!app.isCurrent()) return;
    const heading = main.querySelector('h1');
    if (heading) {
      document.title = `${heading.textContent ?? ''} · Timebook console`;
      if (movedFocus) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: false });
      }
    }
    movedFocus = true;
  };
  // The first screen keeps the browser's own focus; later ones move it to their heading.
  let movedFocus = false;

  const header = h(
    'header',
    { class: 'top' },
    // With a <base href>, "#main" would resolve to the base path: the skip link moves focus itself.
    h('a', {
      class: 'skip',
      href: '#main',
      onclick: (event: Event) => {
        event.preventDefault();
        main.focus();
      },
    }, 'Skip to content'),
    h('p', { class: 'brand' }, 'Timebook', h('span', {}, ' admin console')),
    config.simulatorUrl
      ? h(
          'p',
          { class: 'local-mode' },
          h('strong', {}, 'Local mode'),
          ' · ',
          h('a', { href: config.simulatorUrl, target: '_blank', rel: 'noopener' }, 'Intercom simulator'),
        )
      : null,
    account,
  );
  fill(root, header, h('div', { class: 'layout' }, nav, main));
  window.addEventListener('popstate', () => void render());
  await render();
}

void boot();
