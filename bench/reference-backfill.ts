import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { planSplit, rangeQuery, rootRange, SEARCH_PAGE_SIZE, type PartitionRange } from '../lib/contacts/partition-plan';

/*
 * The reference of the backfill's CPU figure: only what a backfill must do. It searches the same pages
 * (the backfill's partition plan, from each partition's first page), BENCH_CONCURRENCY in flight, with
 * `fetch` and `JSON.parse`, and writes each page's contacts (the fields the service copies, as they
 * come) with `BatchWriteCommand`, 25 at a time. Run by bench/run.ts; answers `{ contacts, pages, ms,
 * cpuMs }` on IPC, the CPU time counted once its modules loaded.
 */

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const table = process.env.TABLE_NAME!;
const pk = `WORKSPACE#${process.env.BENCH_WORKSPACE}#CONTACTS`;
const timeZone = process.env.BENCH_TZ ?? null;
const headers = { authorization: `Bearer ${process.env.BENCH_TOKEN}`, 'intercom-version': '2.16', 'content-type': 'application/json', accept: 'application/json' };
type Contact = Record<string, unknown> & { id: string; created_at: number };
type Task = { range: PartitionRange; cursor: string | null; root: boolean };

async function search(task: Task): Promise<{ data: Contact[]; total_count: number; pages?: { next?: { starting_after?: string } } }> {
  const pagination = { per_page: SEARCH_PAGE_SIZE, ...(task.cursor ? { starting_after: task.cursor } : {}) };
  const body = JSON.stringify({ query: rangeQuery(task.range), sort: { field: 'created_at', order: 'ascending' }, pagination });
  for (let attempt = 1; ; attempt += 1) {
    // A kept-alive socket the server has just closed fails the request: tried again, as the service's client does.
    const response = await fetch(`${process.env.INTERCOM_API_BASE_URL}/contacts/search`, { method: 'POST', headers, body }).catch((error: unknown) => {
      if (attempt === 3) throw error;
    });
    const text = response ? await response.text() : '';
    if (response?.ok) return JSON.parse(text);
    if (response && response.status !== 429) throw new Error(`search answered ${response.status}: ${text}`);
    if (response) await new Promise((resolve) => setTimeout(resolve, 1000)); // Intercom's window is 10 s
  }
}

async function write(contacts: Contact[]): Promise<void> {
  const items = contacts.map((c) => ({
    pk, sk: `CONTACT#${c.id}`, id: c.id, externalId: c.external_id, role: c.role, email: c.email, name: c.name, phone: c.phone,
    createdAt: c.created_at, updatedAt: c.updated_at, customAttributes: c.custom_attributes, appId: c.workspace_id,
  }));
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) => items.slice(i * 25, i * 25 + 25));
  await Promise.all(batches.map(async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }));
}

async function main(): Promise<void> {
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const tasks: Task[] = [{ range: rootRange(new Date(), timeZone), cursor: null, root: true }];
  let contacts = 0;
  let pages = 0;
  const work = async (task: Task): Promise<void> => {
    const page = await search(task);
    pages += 1;
    const children = task.cursor === null ? planSplit(task.range, { total: page.total_count, oldestCreatedAt: page.data[0]?.created_at ?? null }, timeZone, { root: task.root }) : null;
    if (children) return void tasks.push(...children.map((range) => ({ range, cursor: null, root: false })));
    await write(page.data);
    contacts += page.data.length;
    const next = page.pages?.next?.starting_after;
    if (next && page.data.length > 0) tasks.push({ range: task.range, cursor: next, root: false });
  };
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (tasks.length === 0 && active === 0) return resolve();
      for (; active < Number(process.env.BENCH_CONCURRENCY ?? 40) && tasks.length > 0; active += 1) work(tasks.shift()!).then(() => (active -= 1, next()), reject);
    };
    next();
  });
  const { user, system } = process.cpuUsage(cpuAtStart);
  process.send!({ contacts, pages, ms: performance.now() - started, cpuMs: (user + system) / 1000 }, () => process.exit(0));
}

main().catch((error: unknown) => (console.error(error), process.exit(1)));
