import { planSplit, rangeQuery, rootRange, SEARCH_PAGE_SIZE, type PartitionRange } from '../lib/contacts/partition-plan';
import { IntercomClient } from '../lib/intercom/client';

/*
 * Reads every contact of a simulator workspace and writes nothing: the read bound the backfill is
 * compared with. Run by bench/run.ts with `fork`; answers `{ contacts, pages, ms }` on IPC.
 *   BENCH_MODE=parallel    the backfill's own partition plan and concurrency, searches only
 *   BENCH_MODE=sequential  one `GET /contacts` cursor, 150 a page, page after page
 * Rate-limited answers are waited out here (only the service itself must never sleep on them).
 */

const intercom = new IntercomClient({
  baseUrl: process.env.INTERCOM_API_BASE_URL!,
  version: '2.16',
  maxRateLimitWaitMs: 11_000,
  maxRetries: 5,
});
const token = process.env.BENCH_TOKEN!;

async function sequential(): Promise<{ contacts: number; pages: number }> {
  let contacts = 0;
  let pages = 0;
  let startingAfter: string | undefined;
  do {
    const { body } = await intercom.listContacts(token, { perPage: SEARCH_PAGE_SIZE, startingAfter });
    contacts += body.data.length;
    pages += 1;
    startingAfter = body.pages?.next?.starting_after ?? undefined;
  } while (startingAfter);
  return { contacts, pages };
}

async function parallel(concurrency: number): Promise<{ contacts: number; pages: number }> {
  type Task = { range: PartitionRange; cursor: string | null; first: boolean; root: boolean };
  const timeZone = process.env.BENCH_TZ ?? null;
  const tasks: Task[] = [{ range: rootRange(new Date(), timeZone), cursor: null, first: true, root: true }];
  let contacts = 0;
  let pages = 0;
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (tasks.length === 0 && active === 0) return resolve();
      while (active < concurrency && tasks.length > 0) {
        const task = tasks.shift()!;
        active += 1;
        read(task)
          .then(() => {
            active -= 1;
            next();
          })
          .catch(reject);
      }
    };
    const read = async (task: Task) => {
      const { body } = await intercom.searchContacts(token, {
        query: rangeQuery(task.range),
        sort: { field: 'created_at', order: 'ascending' },
        perPage: SEARCH_PAGE_SIZE,
        startingAfter: task.cursor,
      });
      pages += 1;
      const oldest = (body.data[0] as { created_at?: number } | undefined)?.created_at ?? null;
      const children = task.first ? planSplit(task.range, { total: body.total_count ?? 0, oldestCreatedAt: oldest }, timeZone, { root: task.root }) : null;
      if (children) {
        tasks.push(...children.map((range) => ({ range, cursor: null, first: true, root: false })));
        return;
      }
      contacts += body.data.length;
      const cursor = body.pages?.next?.starting_after ?? null;
      if (cursor && body.data.length > 0) tasks.push({ range: task.range, cursor, first: false, root: false });
    };
    next();
  });
  return { contacts, pages };
}

async function main(): Promise<void> {
  const started = performance.now();
  const result = process.env.BENCH_MODE === 'sequential' ? await sequential() : await parallel(Number(process.env.BENCH_CONCURRENCY ?? 40));
  process.send!({ ...result, ms: performance.now() - started }, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
