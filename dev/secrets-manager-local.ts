/**
 * A local, in-memory stand-in for AWS Secrets Manager that speaks its wire protocol.
 *
 * Why it exists: the service keeps every Intercom access token and client secret in Secrets Manager, and
 * `npm start` and the integration tests need somewhere to put them. No Secrets Manager emulator runs on a
 * developer machine here (LocalStack and moto need Docker or PyPI), and a fake behind our own `SecretStore`
 * port would leave the real SDK calls, Powertools' `getSecret` and the SDK's error mapping untested. So this
 * server answers the AWS JSON 1.1 protocol exactly as `@aws-sdk/client-secrets-manager` sends and reads it:
 * `POST /` with `X-Amz-Target: secretsmanager.<Operation>`, JSON bodies, timestamps as epoch seconds, blobs
 * as base64, and errors as `{"__type": "<ExceptionName>", "message": "..."}` with status 400 so the SDK
 * throws its named exception classes. Point a client at it with `endpoint: url` or by setting
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER=url`; any credentials are accepted.
 *
 * Supported: CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret, DeleteSecret, DescribeSecret and
 * ListSecrets, with secrets addressed by name, full ARN or partial ARN (the ARN without its random suffix).
 * Versions carry staging labels as in AWS: a new value becomes `AWSCURRENT` and the one before it
 * `AWSPREVIOUS`. DeleteSecret without `ForceDeleteWithoutRecovery` schedules the deletion, after which reads
 * and writes fail with `InvalidRequestException` and the name stays taken. With it, as in AWS, the secret
 * is deleted by a background process: for `forceDeleteDelayMs` (default 5 s) reads and writes fail with
 * `InvalidRequestException` ("it was deleted") and creating the name again fails the same way; then the
 * name is free. Force-deleting a secret that is gone or being deleted succeeds, as AWS does for retries.
 *
 * Differences from AWS: state lives in memory and is lost on stop; signatures are not checked; there is one
 * account (`000000000000`), and the ARN's region is taken from the request's signing scope; ListSecrets
 * ignores `Filters`, `SortBy` and `SortOrder` and lists secrets in creation order; scheduled deletions never
 * complete; any malformed parameter is reported as `InvalidParameterException`. Other operations answer
 * `UnknownOperationException`. Nothing is logged, so no secret value can reach a log.
 *
 * Run it on its own with `npx tsx dev/secrets-manager-local.ts [port]`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** A running stand-in: its base URL (use it as the SDK `endpoint`), its port, and how to stop it. */
export interface SecretsManagerLocal {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const ACCOUNT_ID = '000000000000';
const DEFAULT_REGION = 'us-east-1';
const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const DEFAULT_RECOVERY_DAYS = 30;
const DEFAULT_FORCE_DELETE_DELAY_MS = 5_000;
const DAY_MS = 86_400_000;
const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An error answered in the AWS JSON error shape; `type` is the exception name the SDK maps to its class. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const secretNotFound = (): ServiceError =>
  new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

const markedForDeletion = (): ServiceError =>
  new ServiceError(
    'InvalidRequestException',
    "You can't perform this operation on the secret because it was marked for deletion.",
  );

const beingDeleted = (): ServiceError =>
  new ServiceError('InvalidRequestException', "You can't perform this operation on the secret because it was deleted.");

type SecretValue = { SecretString: string } | { SecretBinary: string };

interface SecretVersion {
  id: string;
  value: SecretValue;
  stages: Set<string>;
  createdMs: number;
}

interface Tag {
  Key: string;
  Value: string;
}

interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  createdMs: number;
  lastChangedMs: number;
  lastAccessedMs?: number;
  deletedMs?: number;
  /** Set by a deletion without recovery: until then the name is taken and the secret unusable. */
  purgedAtMs?: number;
  versions: Map<string, SecretVersion>;
}

/** Secrets keyed by name; a name stays taken while its secret is scheduled for deletion, as in AWS. */
type Secrets = Map<string, Secret>;

const secretId = z.string().min(1).max(2048);
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a name is 1 to 512 of: letters, digits and /_+=.@-');
const clientRequestToken = z.string().min(32).max(64);
const secretString = z.string().max(65_536);
const secretBinary = z.base64();
const description = z.string().max(2048);
const kmsKeyId = z.string().min(1).max(2048);
const versionStage = z.string().min(1).max(256);

const createSecretInput = z.object({
  Name: secretName,
  ClientRequestToken: clientRequestToken.optional(),
  Description: description.optional(),
  KmsKeyId: kmsKeyId.optional(),
  SecretString: secretString.optional(),
  SecretBinary: secretBinary.optional(),
  Tags: z.array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) })).optional(),
});

const getSecretValueInput = z.object({
  SecretId: secretId,
  VersionId: clientRequestToken.optional(),
  VersionStage: versionStage.optional(),
});

const putSecretValueInput = z.object({
  SecretId: secretId,
  ClientRequestToken: clientRequestToken.optional(),
  SecretString: secretString.optional(),
  SecretBinary: secretBinary.optional(),
  VersionStages: z.array(versionStage).min(1).max(20).optional(),
});

const updateSecretInput = z.object({
  SecretId: secretId,
  ClientRequestToken: clientRequestToken.optional(),
  Description: description.optional(),
  KmsKeyId: kmsKeyId.optional(),
  SecretString: secretString.optional(),
  SecretBinary: secretBinary.optional(),
});

const deleteSecretInput = z.object({
  SecretId: secretId,
  RecoveryWindowInDays: z.number().int().optional(),
  ForceDeleteWithoutRecovery: z.boolean().optional(),
});

const describeSecretInput = z.object({ SecretId: secretId });

const listSecretsInput = z.object({
  IncludePlannedDeletion: z.boolean().optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().min(1).optional(),
});

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'request';
  throw new ServiceError('InvalidParameterException', `Invalid ${field}: ${issue?.message ?? 'malformed'}`);
}

/** The value a request carries, if any; both kinds at once is refused, as in AWS. */
function pickValue(input: {
  SecretString?: string | undefined;
  SecretBinary?: string | undefined;
}): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new ServiceError(
      'InvalidParameterException',
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (input.SecretString !== undefined) return { SecretString: input.SecretString };
  if (input.SecretBinary !== undefined) return { SecretBinary: input.SecretBinary };
  return undefined;
}

function sameValue(a: SecretValue, b: SecretValue): boolean {
  return 'SecretString' in a && 'SecretString' in b
    ? a.SecretString === b.SecretString
    : 'SecretBinary' in a && 'SecretBinary' in b && a.SecretBinary === b.SecretBinary;
}

const epochSeconds = (ms: number): number => ms / 1000;

function arnFor(name: string, region: string): string {
  const suffix = Array.from(randomBytes(6), (byte) => ARN_SUFFIX_ALPHABET[byte % ARN_SUFFIX_ALPHABET.length]);
  return `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${name}-${suffix.join('')}`;
}

/** Finds a secret by name, full ARN, or partial ARN (the full ARN less its `-xxxxxx` suffix). */
function findSecret(secrets: Secrets, id: string): Secret | undefined {
  const byName = secrets.get(id);
  if (byName) return byName;
  if (!id.startsWith('arn:')) return undefined;
  for (const secret of secrets.values()) {
    if (secret.arn === id || secret.arn.slice(0, -7) === id) return secret;
  }
  return undefined;
}

function requireSecret(secrets: Secrets, id: string): Secret {
  const secret = findSecret(secrets, id);
  if (!secret) throw secretNotFound();
  return secret;
}

function requireLiveSecret(secrets: Secrets, id: string): Secret {
  const secret = requireSecret(secrets, id);
  if (secret.purgedAtMs !== undefined) throw beingDeleted();
  if (secret.deletedMs !== undefined) throw markedForDeletion();
  return secret;
}

/** Forgets the secrets whose deletion without recovery has finished. */
function purgeDeleted(secrets: Secrets, nowMs: number): void {
  for (const [name, secret] of secrets) {
    if (secret.purgedAtMs !== undefined && secret.purgedAtMs <= nowMs) secrets.delete(name);
  }
}

function versionWithStage(secret: Secret, stage: string): SecretVersion | undefined {
  for (const version of secret.versions.values()) {
    if (version.stages.has(stage)) return version;
  }
  return undefined;
}

/**
 * Stores a value under version `id` with `stages`, moving those labels off older versions; when
 * `AWSCURRENT` moves, the version that held it becomes `AWSPREVIOUS`. Repeating a version id with the same
 * value is a no-op (the SDK retries with the same token); with a different value it is refused.
 */
function addVersion(secret: Secret, id: string, value: SecretValue, stages: string[], nowMs: number): SecretVersion {
  const existing = secret.versions.get(id);
  if (existing) {
    if (sameValue(existing.value, value)) return existing;
    throw new ServiceError(
      'ResourceExistsException',
      "You can't modify an existing version, you can only create a new version.",
    );
  }
  const formerCurrent = stages.includes(CURRENT) ? versionWithStage(secret, CURRENT) : undefined;
  for (const version of secret.versions.values()) {
    for (const stage of stages) version.stages.delete(stage);
    if (formerCurrent) version.stages.delete(PREVIOUS);
  }
  formerCurrent?.stages.add(PREVIOUS);
  const version: SecretVersion = { id, value, stages: new Set(stages), createdMs: nowMs };
  secret.versions.set(id, version);
  secret.lastChangedMs = nowMs;
  return version;
}

function stagesByVersion(secret: Secret): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const version of secret.versions.values()) {
    if (version.stages.size > 0) map[version.id] = [...version.stages];
  }
  return map;
}

/** The metadata DescribeSecret and ListSecrets share; only the name of the version-to-stages map differs. */
function metadata(secret: Secret, stagesKey: 'VersionIdsToStages' | 'SecretVersionsToStages'): object {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    LastChangedDate: epochSeconds(secret.lastChangedMs),
    LastAccessedDate: secret.lastAccessedMs === undefined ? undefined : epochSeconds(secret.lastAccessedMs),
    DeletedDate: secret.deletedMs === undefined ? undefined : epochSeconds(secret.deletedMs),
    Tags: secret.tags.length > 0 ? secret.tags : undefined,
    [stagesKey]: stagesByVersion(secret),
    CreatedDate: epochSeconds(secret.createdMs),
  };
}

interface RequestContext {
  region: string;
  nowMs: number;
  forceDeleteDelayMs: number;
}

type Operation = (secrets: Secrets, input: unknown, context: RequestContext) => object;

const createSecret: Operation = (secrets, raw, { region, nowMs }) => {
  const input = parseInput(createSecretInput, raw);
  const value = pickValue(input);
  const taken = secrets.get(input.Name);
  if (taken?.deletedMs !== undefined || taken?.purgedAtMs !== undefined) {
    throw new ServiceError(
      'InvalidRequestException',
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    );
  }
  if (taken) {
    throw new ServiceError(
      'ResourceExistsException',
      `The operation failed because the secret ${input.Name} already exists.`,
    );
  }
  const secret: Secret = {
    arn: arnFor(input.Name, region),
    name: input.Name,
    description: input.Description,
    kmsKeyId: input.KmsKeyId,
    tags: input.Tags ?? [],
    createdMs: nowMs,
    lastChangedMs: nowMs,
    versions: new Map(),
  };
  const version = value && addVersion(secret, input.ClientRequestToken ?? randomUUID(), value, [CURRENT], nowMs);
  secrets.set(secret.name, secret);
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
};

const getSecretValue: Operation = (secrets, raw, { nowMs }) => {
  const input = parseInput(getSecretValueInput, raw);
  const secret = requireLiveSecret(secrets, input.SecretId);
  const versionId = input.VersionId;
  const stage = input.VersionStage ?? (versionId === undefined ? CURRENT : undefined);
  const candidates = versionId === undefined ? [...secret.versions.values()] : [secret.versions.get(versionId)];
  const version = candidates.find((candidate) => candidate && (stage === undefined || candidate.stages.has(stage)));
  if (!version) {
    const wanted = [versionId && `VersionId: ${versionId}`, stage && `staging label: ${stage}`];
    throw new ServiceError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for ${wanted.filter(Boolean).join(' and ')}`,
    );
  }
  // AWS records access by day, not by instant.
  secret.lastAccessedMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.id,
    ...version.value,
    VersionStages: [...version.stages],
    CreatedDate: epochSeconds(version.createdMs),
  };
};

const putSecretValue: Operation = (secrets, raw, { nowMs }) => {
  const input = parseInput(putSecretValueInput, raw);
  const secret = requireLiveSecret(secrets, input.SecretId);
  const value = pickValue(input);
  if (!value) {
    throw new ServiceError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
  }
  const stages = input.VersionStages ?? [CURRENT];
  const version = addVersion(secret, input.ClientRequestToken ?? randomUUID(), value, stages, nowMs);
  return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
};

const updateSecret: Operation = (secrets, raw, { nowMs }) => {
  const input = parseInput(updateSecretInput, raw);
  const secret = requireLiveSecret(secrets, input.SecretId);
  const value = pickValue(input);
  if (input.Description !== undefined) secret.description = input.Description;
  if (input.KmsKeyId !== undefined) secret.kmsKeyId = input.KmsKeyId;
  secret.lastChangedMs = nowMs;
  const version = value && addVersion(secret, input.ClientRequestToken ?? randomUUID(), value, [CURRENT], nowMs);
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
};

const deleteSecret: Operation = (secrets, raw, { nowMs, forceDeleteDelayMs }) => {
  const input = parseInput(deleteSecretInput, raw);
  if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
    throw new ServiceError(
      'InvalidParameterException',
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  if (input.ForceDeleteWithoutRecovery) {
    const gone = findSecret(secrets, input.SecretId);
    if (!gone) return { Name: input.SecretId, DeletionDate: epochSeconds(nowMs) };
    gone.purgedAtMs ??= nowMs + forceDeleteDelayMs;
    if (forceDeleteDelayMs <= 0) secrets.delete(gone.name);
    return { ARN: gone.arn, Name: gone.name, DeletionDate: epochSeconds(nowMs) };
  }
  const secret = requireSecret(secrets, input.SecretId);
  if (secret.purgedAtMs !== undefined) throw beingDeleted();
  const days = input.RecoveryWindowInDays ?? DEFAULT_RECOVERY_DAYS;
  if (days < 7 || days > 30) {
    throw new ServiceError(
      'InvalidParameterException',
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
  }
  if (secret.deletedMs !== undefined) throw markedForDeletion();
  secret.deletedMs = nowMs;
  return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(nowMs + days * DAY_MS) };
};

const describeSecret: Operation = (secrets, raw) => {
  const input = parseInput(describeSecretInput, raw);
  return metadata(requireSecret(secrets, input.SecretId), 'VersionIdsToStages');
};

const listSecrets: Operation = (secrets, raw) => {
  const input = parseInput(listSecretsInput, raw);
  const visible = [...secrets.values()].filter(
    (secret) => secret.purgedAtMs === undefined && (input.IncludePlannedDeletion || secret.deletedMs === undefined),
  );
  const start = input.NextToken === undefined ? 0 : decodeNextToken(input.NextToken, visible.length);
  const end = start + (input.MaxResults ?? 100);
  return {
    SecretList: visible.slice(start, end).map((secret) => metadata(secret, 'SecretVersionsToStages')),
    NextToken: end < visible.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
};

function decodeNextToken(token: string, total: number): number {
  const offset = Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(offset) || offset < 0 || offset > total) {
    throw new ServiceError('InvalidNextTokenException', 'The NextToken value is invalid.');
  }
  return offset;
}

const operations: Readonly<Record<string, Operation>> = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  DeleteSecret: deleteSecret,
  DescribeSecret: describeSecret,
  ListSecrets: listSecrets,
};

/** The region of the SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
function signingRegion(request: IncomingMessage): string {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(request.headers.authorization ?? '');
  return match?.[1] ?? DEFAULT_REGION;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
  }
}

function operationFor(request: IncomingMessage): Operation {
  const target = request.headers['x-amz-target'];
  const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = request.method === 'POST' ? operations[name] : undefined;
  if (!operation) {
    const supported = Object.keys(operations).join(', ');
    throw new ServiceError(
      'UnknownOperationException',
      `Expected POST / with X-Amz-Target secretsmanager.<operation>, the operation one of: ${supported}.`,
    );
  }
  return operation;
}

function send(response: ServerResponse, status: number, body: object, requestId: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  response.end(text);
}

async function handle(secrets: Secrets, forceDeleteDelayMs: number, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  try {
    const operation = operationFor(request);
    const input = await readJson(request);
    const nowMs = Date.now();
    purgeDeleted(secrets, nowMs);
    const output = operation(secrets, input, { region: signingRegion(request), nowMs, forceDeleteDelayMs });
    send(response, 200, output, requestId);
  } catch (error) {
    const known =
      error instanceof ServiceError
        ? error
        : new ServiceError('InternalServiceError', 'The local Secrets Manager stand-in failed.', 500);
    send(response, known.status, { __type: known.type, message: known.message }, requestId);
  }
}

/**
 * Starts the stand-in on 127.0.0.1 with an empty store.
 *
 * @param options.port - the port to listen on; 0 or absent picks a free one.
 * @param options.forceDeleteDelayMs - how long a deletion without recovery keeps the name taken (default 5 s).
 * @returns the running server; `stop()` closes it and its kept-alive connections.
 */
export async function startSecretsManagerLocal(
  options: { port?: number; forceDeleteDelayMs?: number } = {},
): Promise<SecretsManagerLocal> {
  const secrets: Secrets = new Map();
  const forceDeleteDelayMs = options.forceDeleteDelayMs ?? DEFAULT_FORCE_DELETE_DELAY_MS;
  const server = createServer((request, response) => {
    void handle(secrets, forceDeleteDelayMs, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep sockets alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 0);
  void startSecretsManagerLocal({ port }).then((local) => {
    process.stdout.write(`Secrets Manager stand-in listening on ${local.url}\n`);
    const shutdown = (): void => {
      void local.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
