import type { IntercomContactSnapshot } from '../lib/contacts/contact';
import { SEARCH_PAGE_SIZE } from '../lib/contacts/partition-plan';

/*
 * Writes BENCH_COUNT synthetic contacts as backfill pages of 150 through the contacts store, with
 * BENCH_CONCURRENCY pages in flight (the backfill worker's concurrency), touching nothing else: the
 * store's own bound on this machine, to read the backfill figures against. Run by bench/run.ts with
 * `fork`; answers `{ contacts, ms, cpuMs }` on IPC.
 */

async function main(): Promise<void> {
  const { dependencies } = await import('../lib/platform/dependencies');
  const deps = dependencies();
  const count = Number(process.env.BENCH_COUNT);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 40);
  const workspaceId = `bench_store_${Date.now()}`;
  const snapshot = (i: number): IntercomContactSnapshot => ({
    contact: {
      id: (1_700_000_000 + i).toString(16) + i.toString(16).padStart(16, '0'),
      externalId: `user-${i}`,
      role: i % 3 === 0 ? 'lead' : 'user',
      email: `someone.${i}@example.com`,
      name: 'Someone Example',
      phone: null,
      createdAt: new Date((1_700_000_000 + i) * 1000).toISOString(),
      updatedAt: new Date((1_700_000_000 + i) * 1000).toISOString(),
      customAttributes: { plan: 'pro', seats: i % 250 },
    },
    createdAtSeconds: 1_700_000_000 + i,
    updatedAtSeconds: 1_700_000_000 + i,
    appId: 'bench',
  });
  const pages = Math.ceil(count / SEARCH_PAGE_SIZE);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let page = next++; page < pages; page = next++) {
        const first = page * SEARCH_PAGE_SIZE;
        const batch = Array.from({ length: Math.min(SEARCH_PAGE_SIZE, count - first) }, (_, i) => snapshot(first + i));
        // A write the local store was too busy to accept is tried again, as SQS would redeliver the page.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await deps.contacts.putBackfillPage(workspaceId, batch, { readAt: new Date(), now: new Date() });
            break;
          } catch (error) {
            if (attempt === 5) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
          }
        }
      }
    }),
  );
  const { user, system } = process.cpuUsage();
  process.send!({ contacts: count, ms: performance.now() - started, cpuMs: (user + system) / 1000 }, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
