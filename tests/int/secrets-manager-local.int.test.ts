import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSecretsManagerLocal, type SecretsManagerLocal } from '../../dev/secrets-manager-local';

const ARN_PATTERN = /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/** Shorter than the stand-in's default, so the test can wait for the name to come free. */
const FORCE_DELETE_DELAY_MS = 300;

let local: SecretsManagerLocal;
let client: SecretsManagerClient;

/** Settles with what `promise` rejected with, or `undefined` if it resolved, so no rejection goes unhandled. */
const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** A name no other test uses, so tests sharing the server cannot see each other's secrets. */
const uniqueName = (label: string): string => `tests/${label}/${randomUUID()}`;

beforeAll(async () => {
  local = await startSecretsManagerLocal({ port: 0, forceDeleteDelayMs: FORCE_DELETE_DELAY_MS });
  client = new SecretsManagerClient({
    endpoint: local.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  client?.destroy();
  vi.unstubAllEnvs();
  await local?.stop();
});

describe('secrets manager stand-in, through the AWS SDK', () => {
  it('creates a secret and reads it back by name', async () => {
    const name = uniqueName('create');

    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'first' }));
    const read = await client.send(new GetSecretValueCommand({ SecretId: name }));

    expect(created.Name).toBe(name);
    expect(created.ARN).toMatch(ARN_PATTERN);
    expect(ARN_PATTERN.exec(created.ARN ?? '')?.[1]).toBe(name);
    expect(created.VersionId).toEqual(expect.any(String));
    expect(read).toMatchObject({
      ARN: created.ARN,
      Name: name,
      VersionId: created.VersionId,
      SecretString: 'first',
      VersionStages: ['AWSCURRENT'],
    });
    expect(read.CreatedDate).toBeInstanceOf(Date);
    expect(Number.isNaN(read.CreatedDate?.getTime())).toBe(false);
  });

  it('gives each secret its own random ARN suffix', async () => {
    const first = await client.send(new CreateSecretCommand({ Name: uniqueName('arn'), SecretString: 'a' }));
    const second = await client.send(new CreateSecretCommand({ Name: uniqueName('arn'), SecretString: 'b' }));

    expect(first.ARN?.slice(-6)).not.toBe(second.ARN?.slice(-6));
  });

  it('reads a secret by its full ARN and by its partial ARN', async () => {
    const name = uniqueName('by-arn');
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'by-arn' }));
    const arn = created.ARN ?? '';

    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const byPartialArn = await client.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }));

    expect(byArn.SecretString).toBe('by-arn');
    expect(byArn.Name).toBe(name);
    expect(byPartialArn.SecretString).toBe('by-arn');
  });

  it('puts a new value under a new version and keeps the old one as AWSPREVIOUS', async () => {
    const name = uniqueName('put');
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'old' }));

    const put = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'new' }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    const previous = await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));

    expect(put.VersionId).toEqual(expect.any(String));
    expect(put.VersionId).not.toBe(created.VersionId);
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    expect(current).toMatchObject({ SecretString: 'new', VersionId: put.VersionId });
    expect(previous).toMatchObject({
      SecretString: 'old',
      VersionId: created.VersionId,
      VersionStages: ['AWSPREVIOUS'],
    });
    expect(described.VersionIdsToStages).toEqual({
      [created.VersionId ?? '']: ['AWSPREVIOUS'],
      [put.VersionId ?? '']: ['AWSCURRENT'],
    });
  });

  it('treats a repeated ClientRequestToken with the same value as a retry and refuses a different value', async () => {
    const name = uniqueName('token');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const token = randomUUID();
    const putWithToken = (value: string) =>
      client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: token }));

    const first = await putWithToken('v2');
    const retry = await putWithToken('v2');
    const conflicting = await errorOf(putWithToken('v3'));

    expect(first.VersionId).toBe(token);
    expect(retry.VersionId).toBe(token);
    expect(conflicting).toBeInstanceOf(ResourceExistsException);
  });

  it('round-trips a binary secret', async () => {
    const name = uniqueName('binary');
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);

    await client.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const read = await client.send(new GetSecretValueCommand({ SecretId: name }));

    expect(read.SecretString).toBeUndefined();
    expect(Array.from(read.SecretBinary ?? [])).toEqual([0, 1, 2, 250, 255]);
  });

  it('updates the description and the value', async () => {
    const name = uniqueName('update');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'before', Description: 'one' }));

    const updated = await client.send(
      new UpdateSecretCommand({ SecretId: name, SecretString: 'after', Description: 'two' }),
    );
    const read = await client.send(new GetSecretValueCommand({ SecretId: name }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));

    expect(read).toMatchObject({ SecretString: 'after', VersionId: updated.VersionId });
    expect(described.Description).toBe('two');
    expect(described.CreatedDate).toBeInstanceOf(Date);
  });

  it('refuses to create a secret whose name is taken', async () => {
    const name = uniqueName('twice');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));

    const again = await errorOf(client.send(new CreateSecretCommand({ Name: name, SecretString: 'y' })));

    expect(again).toBeInstanceOf(ResourceExistsException);
    expect(again).toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it('answers ResourceNotFoundException with AWS message for an unknown secret', async () => {
    const missing = await errorOf(client.send(new GetSecretValueCommand({ SecretId: uniqueName('missing') })));

    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('deletes without recovery in the background: the name stays refused for a while, then is free', async () => {
    const name = uniqueName('force-delete');
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'gone' }));

    const deleted = await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    const read = await errorOf(client.send(new GetSecretValueCommand({ SecretId: name })));
    const byArn = await errorOf(client.send(new GetSecretValueCommand({ SecretId: created.ARN })));
    const recreate = await errorOf(client.send(new CreateSecretCommand({ Name: name, SecretString: 'too soon' })));
    const listed = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));

    expect(deleted).toMatchObject({ ARN: created.ARN, Name: name });
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    expect(read).toBeInstanceOf(InvalidRequestException);
    expect((read as Error).message).toContain('it was deleted');
    expect(byArn).toBeInstanceOf(InvalidRequestException);
    expect(recreate).toBeInstanceOf(InvalidRequestException);
    expect(listed.SecretList?.map((secret) => secret.Name)).not.toContain(name);
    // Deleting again, or deleting what never existed, succeeds, so a retried delete is safe.
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    await client.send(new DeleteSecretCommand({ SecretId: uniqueName('never-created'), ForceDeleteWithoutRecovery: true }));

    await new Promise((resolve) => setTimeout(resolve, FORCE_DELETE_DELAY_MS + 50));
    expect(await errorOf(client.send(new GetSecretValueCommand({ SecretId: name })))).toBeInstanceOf(ResourceNotFoundException);
    const recreated = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'back' }));
    expect(recreated.ARN).not.toBe(created.ARN);
  });

  it('schedules a deletion with a recovery window: reads fail, the name stays taken, listing hides it', async () => {
    const name = uniqueName('scheduled-delete');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'pending' }));

    const deleted = await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const read = await errorOf(client.send(new GetSecretValueCommand({ SecretId: name })));
    const put = await errorOf(client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'more' })));
    const recreate = await errorOf(client.send(new CreateSecretCommand({ Name: name, SecretString: 'again' })));
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const listed = await client.send(new ListSecretsCommand({}));
    const listedWithPlanned = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));

    const sevenDaysMs = 7 * 86_400_000;
    expect((deleted.DeletionDate?.getTime() ?? 0) - (described.DeletedDate?.getTime() ?? 0)).toBe(sevenDaysMs);
    expect(read).toBeInstanceOf(InvalidRequestException);
    expect(read).toMatchObject({ message: expect.stringContaining('marked for deletion') });
    expect(put).toBeInstanceOf(InvalidRequestException);
    expect(recreate).toBeInstanceOf(InvalidRequestException);
    expect(described.DeletedDate).toBeInstanceOf(Date);
    expect(listed.SecretList?.map((entry) => entry.Name)).not.toContain(name);
    expect(listedWithPlanned.SecretList?.map((entry) => entry.Name)).toContain(name);
  });

  it('lists secrets page by page', async () => {
    const names = [uniqueName('list'), uniqueName('list')];
    for (const name of names) await client.send(new CreateSecretCommand({ Name: name, SecretString: 'listed' }));

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListSecretsCommand({ MaxResults: 1, NextToken: nextToken }));
      expect(page.SecretList).toHaveLength(1);
      seen.push(...(page.SecretList ?? []).map((entry) => entry.Name ?? ''));
      nextToken = page.NextToken;
      pages += 1;
    } while (nextToken);

    expect(seen).toEqual(expect.arrayContaining(names));
    expect(pages).toBe(seen.length);
    const entry = (await client.send(new ListSecretsCommand({}))).SecretList?.find((e) => e.Name === names[0]);
    expect(Object.values(entry?.SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
  });
});

describe('secrets manager stand-in, on the wire', () => {
  it('answers errors in the AWS JSON 1.1 shape', async () => {
    const response = await fetch(`${local.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: uniqueName('wire') }),
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(response.headers.get('x-amzn-requestid')).toEqual(expect.any(String));
    expect(await response.json()).toEqual({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('sends dates as epoch seconds', async () => {
    const before = Date.now() / 1000;
    const name = uniqueName('wire-dates');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'dated' }));

    const response = await fetch(`${local.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: name }),
    });
    const body = (await response.json()) as { CreatedDate: unknown };

    expect(typeof body.CreatedDate).toBe('number');
    expect(body.CreatedDate as number).toBeGreaterThanOrEqual(Math.floor(before));
    expect(body.CreatedDate as number).toBeLessThan(before + 3600);
  });

  it('refuses an operation it does not implement', async () => {
    const response = await fetch(`${local.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.RotateSecret' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

describe('secrets manager stand-in, through Powertools', () => {
  it('serves getSecret when the SDK is pointed at it by AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', local.url);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const name = uniqueName('powertools');
    await client.send(
      new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ clientSecret: 'from-powertools' }) }),
    );

    const raw = await getSecret(name, { forceFetch: true });
    const parsed = await getSecret<{ clientSecret: string }>(name, { transform: 'json', forceFetch: true });

    expect(raw).toBe('{"clientSecret":"from-powertools"}');
    expect(parsed).toEqual({ clientSecret: 'from-powertools' });
  });
});
