import type { App } from '../app';
import { alertRegion, facts, fill, formatTime, h } from '../dom';
import type { ContactPage, Status } from '../types';

const PAGE_SIZE = 50;
/** How often the sync's status is read while a backfill runs, and otherwise. */
const RUNNING_POLL_MS = 1_000;
const IDLE_POLL_MS = 5_000;

type Sync = Status['contactsSync'];

/** Contacts: the synced list, paged, and the contact sync's live progress. */
export async function contactsScreen(app: App, main: HTMLElement): Promise<void> {
  const alert = alertRegion();
  const progress = h('progress', { id: 'sync-progress', max: 1, value: 0 });
  const progressText = h('span', { id: 'sync-progress-text' });
  const syncFacts = h('div', {});
  const list = h('div', {});
  const pager = h('div', { class: 'row pager' });
  const count = h('p', { class: 'hint', 'aria-live': 'polite' });
  main.append(
    h('h1', {}, 'Contacts'),
    h('p', { class: 'lead' }, 'Intercom’s users and leads, mirrored. Switch contact sync on or off in ', app.link('/settings/integrations/intercom', 'Integrations: Intercom'), '.'),
    alert.element,
    h('section', { class: 'card', 'aria-labelledby': 'sync-heading' },
      h('h2', { id: 'sync-heading' }, 'Sync'),
      h('div', { class: 'progress', role: 'status', 'aria-live': 'polite' },
        h('label', { for: 'sync-progress' }, 'Backfill progress'), progress, progressText),
      syncFacts,
    ),
    h('section', { 'aria-labelledby': 'list-heading' }, h('h2', { id: 'list-heading' }, 'Synced contacts'), count, list, pager),
  );

  const cursors: Array<string | undefined> = [undefined];
  const loadPage = async () => {
    const cursor = cursors[cursors.length - 1];
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    let page: ContactPage;
    try {
      page = await app.api<ContactPage>('GET', `/contacts?${query}`);
    } catch (error) {
      if (app.isCurrent()) alert.show(error);
      return;
    }
    if (!app.isCurrent()) return;
    renderPage(page);
  };

  const renderPage = (page: ContactPage) => {
    const number = cursors.length;
    fill(count, page.contacts.length === 0 && number === 1 ? 'No contacts synced yet.' : `Page ${number}: ${page.contacts.length} contacts.`);
    fill(
      list,
      page.contacts.length === 0
        ? null
        : h('table', { class: 'contacts' },
            h('caption', { class: 'visually-hidden' }, `Synced contacts, page ${number}`),
            h('thead', {}, h('tr', {}, ['Name', 'Email', 'Role', 'External id', 'Created', 'Updated'].map((title) => h('th', { scope: 'col' }, title)))),
            h('tbody', {}, page.contacts.map((contact) =>
              h('tr', {},
                h('td', {}, contact.name ?? '—'),
                h('td', {}, contact.email ?? '—'),
                h('td', {}, contact.role),
                h('td', {}, contact.externalId ?? '—'),
                h('td', { class: 'time' }, formatTime(contact.createdAt)),
                h('td', { class: 'time' }, formatTime(contact.updatedAt)),
              ))),
          ),
    );
    fill(
      pager,
      cursors.length > 1 ? h('button', { type: 'button', class: 'secondary', onclick: () => { cursors.pop(); void loadPage(); } }, 'Previous page') : null,
      page.nextCursor ? h('button', { type: 'button', class: 'secondary', onclick: () => { cursors.push(page.nextCursor!); void loadPage(); } }, 'Next page') : null,
    );
  };

  let lastState: Sync['state'] | undefined;
  let lastSynced = -1;
  const renderSync = (sync: Sync, syncContacts: boolean) => {
    const total = sync.state === 'completed' ? Math.max(sync.synced, sync.expected ?? 0) : sync.expected;
    if (total && total > 0) {
      progress.max = total;
      progress.value = sync.state === 'completed' ? total : Math.min(sync.synced, total);
    } else if (sync.state === 'running') {
      progress.removeAttribute('value'); // indeterminate until Intercom's count is known
    } else {
      progress.max = 1;
      progress.value = 0;
    }
    const percent = total && total > 0 ? Math.floor((100 * (sync.state === 'completed' ? total : Math.min(sync.synced, total))) / total) : sync.state === 'completed' ? 100 : 0;
    fill(progressText, `${percent}% · ${sync.synced}${total ? ` of ${total}` : ''} contacts · ${STATE_NAMES[sync.state]}`);
    fill(syncFacts, facts([
      ['Contact sync', syncContacts ? 'On' : 'Off'],
      ['Backfill started', formatTime(sync.startedAt)],
      ['Backfill finished', formatTime(sync.finishedAt)],
      ['Last incremental run', formatTime(sync.lastIncrementalAt)],
      ['Last reconciliation', formatTime(sync.lastReconciledAt)],
      ...(sync.error ? [['Error', sync.error] as [string, string]] : []),
    ]));
  };

  const poll = async () => {
    let status: Status;
    try {
      status = await app.api<Status>('GET', '/intercom');
    } catch (error) {
      if (app.isCurrent()) alert.show(error);
      return;
    }
    if (!app.isCurrent()) return;
    const sync = status.contactsSync;
    renderSync(sync, status.settings.syncContacts);
    // The list follows the backfill: the first page fills as contacts arrive, and once more at the end.
    const changed = sync.synced !== lastSynced || sync.state !== lastState;
    if (changed && cursors.length === 1 && lastState !== undefined) await loadPage();
    lastState = sync.state;
    lastSynced = sync.synced;
  };

  await Promise.all([poll(), loadPage()]);
  const schedule = () => {
    const ms = lastState === 'running' ? RUNNING_POLL_MS : IDLE_POLL_MS;
    window.setTimeout(() => {
      if (!app.isCurrent()) return;
      void poll().finally(schedule);
    }, ms);
  };
  schedule();
}

const STATE_NAMES: Record<Sync['state'], string> = {
  idle: 'not running',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
};
