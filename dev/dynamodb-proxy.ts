import { randomInt } from 'node:crypto';
import { Agent, createServer, request as upstreamRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { z } from 'zod';

/**
 * A small HTTP proxy between the AWS SDK and DynamoDB Local. It passes every request through
 * (bodies streamed), counts requests per operation, and on demand answers a share of chosen
 * operations with the throttling errors DynamoDB returns, in DynamoDB's JSON 1.0 wire format, so
 * the SDK's own retries behave as they would against AWS:
 *
 * - `ProvisionedThroughputExceededException` and `ThrottlingException` (HTTP 400): the SDK retries
 *   both (they are in its list of throttling error codes).
 * - `TransactionCanceledException` with `ThrottlingError` among its `CancellationReasons` (HTTP 400,
 *   TransactWriteItems and TransactGetItems only): the SDK does not retry it; the caller must.
 * - `UnprocessedItems` (HTTP 200, BatchWriteItem only): only part of the batch goes on to DynamoDB
 *   Local, the rest is answered as unprocessed. A batch of one write cannot be answered so: AWS
 *   answers `ProvisionedThroughputExceededException` when no item of a batch could be written, and
 *   so does the proxy.
 *
 * With `recordCapacity`, the proxy also asks DynamoDB for the capacity each item operation
 * consumed (`ReturnConsumedCapacity: TOTAL`, unless the request asked itself), adds it up per
 * operation, and takes it out of answers whose request did not ask, so clients see what they would
 * without the proxy. DynamoDB Local reports it as AWS does for single-item and batch operations,
 * but charges transactional writes once rather than twice.
 *
 * Control API on the same port (JSON): `GET/PUT/DELETE /_proxy/faults`, `GET/DELETE /_proxy/stats`.
 */

export const FAULT_KINDS = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'TransactionCanceledException', 'UnprocessedItems'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The kinds the SDK retries by itself; the others always reach the calling code. */
const SDK_RETRIED: ReadonlySet<FaultKind> = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException']);

const faultSettingsSchema = z
  .object({
    /** Share of the matching requests (each SDK attempt is a request) that get a fault, 0 to 1. */
    rate: z.number().min(0).max(1),
    /** Operations that may get one, as named in `X-Amz-Target` (`PutItem`, `BatchWriteItem`, …). */
    operations: z.array(z.string().min(1)).min(1),
    /** Kinds to pick from, uniformly among those that apply to the request's operation. */
    kinds: z.array(z.enum(FAULT_KINDS)).min(1),
    /** Only requests that write to (or, for reads, read from) one of these tables; any table when absent. */
    tables: z.array(z.string().min(1)).min(1).optional(),
    /** At most this many faults, then none until the settings are given again. */
    limit: z.number().int().positive().optional(),
    /** Seed of the choices, so that one sequence of requests gets the same faults. */
    seed: z.number().int().optional(),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export interface DynamoDbProxyStats {
  /** Requests received, per operation; each attempt of the SDK counts. */
  requests: Record<string, number>;
  /** Requests passed on to DynamoDB, per operation (a partly faulted batch counts). */
  forwarded: Record<string, number>;
  /** Faults answered, per operation and kind. */
  injected: Record<string, Partial<Record<FaultKind, number>>>;
  /**
   * Faults the SDK handed on to the calling code, per kind: every `TransactionCanceledException`
   * and `UnprocessedItems`, and every retryable fault that was the last attempt of its SDK call
   * (the attempts or the SDK's retry quota ran out). Known from the SDK's `amz-sdk-invocation-id`
   * header, the same on every attempt of one call: a retryable fault counts here until another
   * attempt of its call arrives. Read it once the traffic has settled.
   */
  reachedCaller: Partial<Record<FaultKind, number>>;
  /** Capacity units DynamoDB reported consumed, per operation; empty unless `recordCapacity`. */
  consumedCapacity: Record<string, number>;
  /**
   * Errors DynamoDB answered (not the injected faults), per operation and error type, such as
   * `ConditionalCheckFailedException`; empty unless `recordCapacity`.
   */
  errors: Record<string, Record<string, number>>;
}

export interface DynamoDbProxy {
  url: string;
  setFaults(settings: FaultSettings): void;
  clearFaults(): void;
  stats(): DynamoDbProxyStats;
  resetStats(): void;
  stop(): Promise<void>;
}

const PROVISIONED_THROUGHPUT_EXCEEDED = {
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
};
const THROTTLING = { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' };
const THROTTLING_ERROR_REASON = {
  Code: 'ThrottlingError',
  Message:
    'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html.',
};

/** The operations that take `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** Hop-by-hop headers, which belong to one connection and are not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Starts the proxy on 127.0.0.1 (`port` 0 picks a free one) in front of DynamoDB at `target`. */
export async function startDynamoDbProxy({
  target,
  port = 0,
  recordCapacity = false,
}: {
  target: string;
  port?: number;
  recordCapacity?: boolean;
}): Promise<DynamoDbProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let faults: FaultSettings | undefined;
  let faultsLeft = Number.POSITIVE_INFINITY;
  let random = seeded(0);
  let counts = emptyCounts();
  /** SDK calls whose last attempt got a retryable fault, by invocation id. */
  let awaitingRetry = new Map<string, FaultKind>();

  function emptyCounts() {
    return {
      requests: {} as Record<string, number>,
      forwarded: {} as Record<string, number>,
      injected: {} as Record<string, Partial<Record<FaultKind, number>>>,
      reachedCaller: {} as Partial<Record<FaultKind, number>>,
      consumedCapacity: {} as Record<string, number>,
      errors: {} as Record<string, Record<string, number>>,
    };
  }

  /** Whether the request may get a fault at all; its body decides only when the faults name tables. */
  function candidate(operation: string): boolean {
    return faults !== undefined && faultsLeft > 0 && faults.operations.includes(operation);
  }

  function faultFor(operation: string, body: string): FaultKind | undefined {
    if (!faults || !candidate(operation)) return undefined;
    const tables = faults.tables;
    if (tables && !tablesOf(body).some((table) => tables.includes(table))) return undefined;
    if (random() >= faults.rate) return undefined;
    const applicable = faults.kinds.filter((kind) => appliesTo(kind, operation));
    return applicable.length === 0 ? undefined : applicable[Math.floor(random() * applicable.length)];
  }

  function recordFault(operation: string, kind: FaultKind, invocationId: string | undefined): void {
    faultsLeft -= 1;
    const byKind = (counts.injected[operation] ??= {});
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (SDK_RETRIED.has(kind) && invocationId) awaitingRetry.set(invocationId, kind);
    else counts.reachedCaller[kind] = (counts.reachedCaller[kind] ?? 0) + 1;
  }

  /** Passes a request through untouched, streaming both bodies (or sending the request's body, once read). */
  function forward(req: IncomingMessage, res: ServerResponse, operation: string, body?: string): void {
    counts.forwarded[operation] = (counts.forwarded[operation] ?? 0) + 1;
    const outgoing = upstreamRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: endToEnd(req.headers), agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
      },
    );
    // DynamoDB unreachable: the client sees its connection drop, as it would without the proxy.
    outgoing.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    if (body === undefined) req.pipe(outgoing);
    else outgoing.end(body);
  }

  /** Sends a body of our own to DynamoDB and hands its answer, read whole, to `reply`. */
  function exchange(req: IncomingMessage, res: ServerResponse, operation: string, body: string, reply: (status: number, headers: IncomingHttpHeaders, text: string) => void) {
    counts.forwarded[operation] = (counts.forwarded[operation] ?? 0) + 1;
    const headers = { ...endToEnd(req.headers), 'content-length': String(Buffer.byteLength(body)), 'accept-encoding': 'identity' };
    const outgoing = upstreamRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      readText(answer).then((text) => reply(answer.statusCode ?? 502, answer.headers, text), () => res.destroy());
    });
    outgoing.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  }

  /** Passes a request on asking for its consumed capacity, and records it. */
  function forwardMeasured(req: IncomingMessage, res: ServerResponse, operation: string, body: string): void {
    const input = JSON.parse(body) as { ReturnConsumedCapacity?: string };
    const asked = input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE';
    const sent = asked ? body : JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' });
    exchange(req, res, operation, sent, (status, headers, text) => {
      if (status !== 200) {
        const type = errorType(text);
        const byType = (counts.errors[operation] ??= {});
        byType[type] = (byType[type] ?? 0) + 1;
        return sendJson(res, status, text, headers);
      }
      const output = JSON.parse(text) as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> };
      const units = [output.ConsumedCapacity ?? []].flat().reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
      counts.consumedCapacity[operation] = (counts.consumedCapacity[operation] ?? 0) + units;
      if (asked) return sendJson(res, status, text, headers);
      delete output.ConsumedCapacity;
      sendJson(res, status, JSON.stringify(output), headers);
    });
  }

  /** Forwards part of a BatchWriteItem and answers the rest as unprocessed. */
  function partialBatch(req: IncomingMessage, res: ServerResponse, input: BatchWriteInput): void {
    const writes = Object.entries(input.RequestItems).flatMap(([table, requests]) => requests.map((request) => ({ table, request })));
    const withheldCount = 1 + Math.floor(random() * (writes.length - 1));
    const order = writes.map((write) => ({ write, key: random() })).sort((a, b) => a.key - b.key);
    const withheld = order.slice(0, withheldCount).map(({ write }) => write);
    const kept = order.slice(withheldCount).map(({ write }) => write);
    const body = JSON.stringify({ ...input, RequestItems: byTable(kept) });
    exchange(req, res, 'BatchWriteItem', body, (status, headers, text) => {
      if (status !== 200) return sendJson(res, status, text, headers);
      const output = JSON.parse(text) as { UnprocessedItems?: Record<string, unknown[]> };
      const unprocessed = byTable(Object.entries(output.UnprocessedItems ?? {}).flatMap(([table, requests]) => requests.map((request) => ({ table, request }))).concat(withheld));
      sendJson(res, 200, JSON.stringify({ ...output, UnprocessedItems: unprocessed }), headers);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url?.startsWith('/_proxy/')) return control(req, res);
    const operation = operationOf(req.headers['x-amz-target']);
    counts.requests[operation] = (counts.requests[operation] ?? 0) + 1;
    const invocationId = header(req.headers['amz-sdk-invocation-id']);
    // Another attempt of a call whose last attempt got a fault: the SDK retried that fault.
    if (invocationId) awaitingRetry.delete(invocationId);

    const measured = recordCapacity && CAPACITY_OPERATIONS.has(operation);
    if (!candidate(operation) && !measured) return forward(req, res, operation);
    const body = await readText(req);
    let kind = faultFor(operation, body);
    if (!kind) return measured ? forwardMeasured(req, res, operation, body) : forward(req, res, operation, body);
    if (kind === 'UnprocessedItems') {
      const input = JSON.parse(body) as BatchWriteInput;
      const writes = Object.values(input.RequestItems).reduce((n, requests) => n + requests.length, 0);
      if (writes >= 2) {
        recordFault(operation, kind, invocationId);
        return partialBatch(req, res, input);
      }
      kind = 'ProvisionedThroughputExceededException';
    }
    recordFault(operation, kind, invocationId);
    if (kind === 'TransactionCanceledException') {
      const items = (JSON.parse(body) as { TransactItems?: unknown[] }).TransactItems ?? [];
      const throttled = Math.floor(random() * items.length);
      const reasons = items.map((_, index) => (index === throttled ? THROTTLING_ERROR_REASON : { Code: 'None' }));
      const codes = reasons.map((reason) => reason.Code).join(', ');
      return sendJson(
        res,
        400,
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          CancellationReasons: reasons,
          Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        }),
      );
    }
    sendJson(res, 400, JSON.stringify(kind === 'ThrottlingException' ? THROTTLING : PROVISIONED_THROUGHPUT_EXCEEDED));
  }

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    if (route === 'GET /_proxy/stats') return sendJson(res, 200, JSON.stringify(stats()));
    if (route === 'DELETE /_proxy/stats') {
      resetStats();
      return sendJson(res, 200, JSON.stringify(stats()));
    }
    if (route === 'GET /_proxy/faults') return sendJson(res, 200, JSON.stringify({ faults: faults ?? null }));
    if (route === 'DELETE /_proxy/faults') {
      faults = undefined;
      return sendJson(res, 200, JSON.stringify({ faults: null }));
    }
    if (route === 'PUT /_proxy/faults') {
      let body: unknown;
      try {
        body = JSON.parse(await readText(req));
      } catch {
        return sendJson(res, 400, JSON.stringify({ error: 'The body is not JSON.' }));
      }
      const parsed = faultSettingsSchema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
        return sendJson(res, 400, JSON.stringify({ error: `Invalid fault settings: ${issues.join('; ')}` }));
      }
      setFaults(parsed.data);
      return sendJson(res, 200, JSON.stringify({ faults }));
    }
    sendJson(res, 404, JSON.stringify({ error: `No control route ${route}` }));
  }

  function setFaults(settings: FaultSettings): void {
    faults = faultSettingsSchema.parse(settings);
    faultsLeft = faults.limit ?? Number.POSITIVE_INFINITY;
    random = seeded(faults.seed ?? 1);
  }

  function stats(): DynamoDbProxyStats {
    const reachedCaller = { ...counts.reachedCaller };
    for (const kind of awaitingRetry.values()) reachedCaller[kind] = (reachedCaller[kind] ?? 0) + 1;
    return structuredClone({ ...counts, reachedCaller });
  }

  function resetStats(): void {
    counts = emptyCounts();
    awaitingRetry = new Map();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    setFaults,
    clearFaults: () => {
      faults = undefined;
    },
    stats,
    resetStats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/** The proxy's control API, for tests running in another process than the proxy. */
export class DynamoDbProxyClient {
  constructor(readonly url: string) {}

  setFaults(settings: FaultSettings): Promise<{ faults: FaultSettings }> {
    return this.call('PUT', '/_proxy/faults', settings);
  }

  clearFaults(): Promise<{ faults: null }> {
    return this.call('DELETE', '/_proxy/faults');
  }

  stats(): Promise<DynamoDbProxyStats> {
    return this.call('GET', '/_proxy/stats');
  }

  resetStats(): Promise<DynamoDbProxyStats> {
    return this.call('DELETE', '/_proxy/stats');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`DynamoDB proxy ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

interface BatchWriteInput {
  RequestItems: Record<string, unknown[]>;
}

/** The tables a request names: `TableName`, the keys of `RequestItems`, or each transaction item's. */
function tablesOf(body: string): string[] {
  const input = JSON.parse(body) as {
    TableName?: string;
    RequestItems?: Record<string, unknown>;
    TransactItems?: Array<Record<string, { TableName?: string }>>;
  };
  const tables = [
    ...(input.TableName ? [input.TableName] : []),
    ...Object.keys(input.RequestItems ?? {}),
    ...(input.TransactItems ?? []).flatMap((item) => Object.values(item).map((action) => action.TableName ?? '')),
  ];
  return tables.filter(Boolean);
}

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` → `ConditionalCheckFailedException`. */
function errorType(text: string): string {
  try {
    const type = (JSON.parse(text) as { __type?: string }).__type ?? '(no __type)';
    return type.slice(type.indexOf('#') + 1);
  } catch {
    return '(not JSON)';
  }
}

function appliesTo(kind: FaultKind, operation: string): boolean {
  if (kind === 'TransactionCanceledException') return operation === 'TransactWriteItems' || operation === 'TransactGetItems';
  if (kind === 'UnprocessedItems') return operation === 'BatchWriteItem';
  return true;
}

/** `DynamoDB_20120810.PutItem` → `PutItem`. */
function operationOf(target: string | string[] | undefined): string {
  const value = header(target);
  return value ? value.slice(value.indexOf('.') + 1) : '(no X-Amz-Target)';
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function byTable(writes: Array<{ table: string; request: unknown }>): Record<string, unknown[]> {
  const tables: Record<string, unknown[]> = {};
  for (const { table, request } of writes) (tables[table] ??= []).push(request);
  return tables;
}

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * Answers with a JSON body as DynamoDB does: its content type, a request id and the CRC32 of the
 * body (`x-amz-crc32`), recomputed whenever the proxy wrote or rewrote the body.
 */
function sendJson(res: ServerResponse, status: number, text: string, upstreamHeaders?: IncomingHttpHeaders): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': header(upstreamHeaders?.['x-amzn-requestid']) ?? requestId(),
    'x-amz-crc32': String(crc32(text)),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A request id in DynamoDB's form: 52 characters of A-Z and 0-9. */
function requestId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: 52 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function readText(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
