import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretStore, secretNames } from '../../lib/platform/secret-store';

type Command = CreateSecretCommand | PutSecretValueCommand | GetSecretValueCommand | DeleteSecretCommand;

/**
 * An in-memory Secrets Manager behind a minimal `send`: versions count up per secret, and every
 * command is recorded so a test can tell a cache hit from a call.
 */
function fakeSecretsManager() {
  const secrets = new Map<string, { value: string; version: string }>();
  /** Every version's value by `name@version`, as Secrets Manager keeps a secret's versions. */
  const history = new Map<string, string>();
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  let versions = 0;
  const notFound = () => new ResourceNotFoundException({ message: 'Secrets Manager can not find the specified secret.', $metadata: {} });

  const send = async (command: Command): Promise<Record<string, unknown>> => {
    sent.push({ name: command.constructor.name, input: { ...command.input } });
    if (command instanceof CreateSecretCommand) {
      const name = command.input.Name!;
      if (secrets.has(name)) throw new ResourceExistsException({ message: `The operation failed because the secret ${name} already exists.`, $metadata: {} });
      secrets.set(name, { value: command.input.SecretString!, version: `v${(versions += 1)}` });
      history.set(`${name}@v${versions}`, command.input.SecretString!);
      return { Name: name, VersionId: secrets.get(name)!.version };
    }
    if (command instanceof PutSecretValueCommand) {
      const name = command.input.SecretId!;
      if (!secrets.has(name)) throw notFound();
      secrets.set(name, { value: command.input.SecretString!, version: `v${(versions += 1)}` });
      history.set(`${name}@v${versions}`, command.input.SecretString!);
      return { Name: name, VersionId: secrets.get(name)!.version };
    }
    if (command instanceof GetSecretValueCommand) {
      const secret = secrets.get(command.input.SecretId!);
      if (!secret) throw notFound();
      const wanted = command.input.VersionId;
      if (wanted && wanted !== secret.version) {
        const value = history.get(`${command.input.SecretId}@${wanted}`);
        if (value === undefined) throw notFound();
        return { SecretString: value, VersionId: wanted };
      }
      return { SecretString: secret.value, VersionId: secret.version };
    }
    if (!secrets.delete(command.input.SecretId!)) throw notFound();
    return {};
  };

  return {
    client: { send } as unknown as SecretsManagerClient,
    secrets,
    sent,
    /** Changes a secret behind the store's back, as another Lambda would. */
    rotate(name: string, value: string) {
      secrets.set(name, { value, version: `v${(versions += 1)}` });
      history.set(`${name}@v${versions}`, value);
      return secrets.get(name)!.version;
    },
  };
}

function storeWithClock(maxAgeMs = 60_000) {
  const fake = fakeSecretsManager();
  const clock = { now: 1_000_000 };
  const store = new SecretStore(fake.client, maxAgeMs, () => clock.now);
  return { fake, clock, store };
}

const NAME = 'dev/workspaces/ws_1/access-token';

describe('SecretStore.put', () => {
  it('creates a new secret and returns its version', async () => {
    const { fake, store } = storeWithClock();

    const version = await store.put(NAME, 'token-1');

    expect(version).toBe('v1');
    expect(fake.secrets.get(NAME)).toEqual({ value: 'token-1', version: 'v1' });
    expect(fake.sent.map((command) => command.name)).toEqual(['CreateSecretCommand']);
  });

  it('puts a new value when the secret already exists', async () => {
    const { fake, store } = storeWithClock();
    await store.put(NAME, 'token-1');

    const version = await store.put(NAME, 'token-2');

    expect(version).toBe('v2');
    expect(fake.secrets.get(NAME)?.value).toBe('token-2');
    expect(fake.sent.map((command) => command.name)).toEqual(['CreateSecretCommand', 'CreateSecretCommand', 'PutSecretValueCommand']);
    expect(fake.sent[2]?.input).toEqual({ SecretId: NAME, SecretString: 'token-2' });
  });

  it('lets other failures through', async () => {
    const failing = { send: async () => Promise.reject(new Error('AccessDeniedException')) } as unknown as SecretsManagerClient;

    await expect(new SecretStore(failing).put(NAME, 'x')).rejects.toThrow('AccessDeniedException');
  });
});

describe('SecretStore.get', () => {
  it('serves a value it just wrote from its cache', async () => {
    const { fake, store } = storeWithClock();
    await store.put(NAME, 'token-1');

    const secret = await store.get(NAME);

    expect(secret).toMatchObject({ value: 'token-1', version: 'v1' });
    expect(fake.sent.filter((command) => command.name === 'GetSecretValueCommand')).toHaveLength(0);
  });

  it('reads again once the cached value is older than maxAgeMs', async () => {
    const { fake, clock, store } = storeWithClock(60_000);
    await store.put(NAME, 'token-1');
    fake.rotate(NAME, 'token-2');

    clock.now += 59_999;
    const fresh = await store.get(NAME);
    clock.now += 1;
    const reread = await store.get(NAME);

    expect(fresh?.value).toBe('token-1');
    expect(reread).toMatchObject({ value: 'token-2', version: 'v2' });
    expect(fake.sent.filter((command) => command.name === 'GetSecretValueCommand')).toHaveLength(1);
  });

  it('reads Secrets Manager whatever the cache holds when asked for a fresh value', async () => {
    const { fake, store } = storeWithClock();
    await store.put(NAME, 'token-1');
    fake.rotate(NAME, 'token-2');

    expect((await store.get(NAME))?.value).toBe('token-1');
    expect((await store.get(NAME, { fresh: true }))?.value).toBe('token-2');
    expect((await store.get(NAME))?.value).toBe('token-2');
  });

  it('reads again at once when asked for a version the cache does not hold', async () => {
    const { fake, store } = storeWithClock();
    await store.put(NAME, 'token-1');
    const rotated = fake.rotate(NAME, 'token-2');

    const secret = await store.get(NAME, { version: rotated });

    expect(secret).toMatchObject({ value: 'token-2', version: rotated });
  });

  it('reads the version asked for by its id, not whatever is current', async () => {
    const { fake } = storeWithClock();
    const first = await new SecretStore(fake.client).put(NAME, 'token-1');
    fake.rotate(NAME, 'token-2');

    const secret = await new SecretStore(fake.client).get(NAME, { version: first });

    expect(secret).toEqual({ value: 'token-1', version: first });
    expect(fake.sent.at(-1)).toEqual({ name: 'GetSecretValueCommand', input: { SecretId: NAME, VersionId: first } });
  });

  it('serves the cached value for its own version even after maxAgeMs', async () => {
    const { fake, clock, store } = storeWithClock(1_000);
    const version = await store.put(NAME, 'token-1');
    clock.now += 10_000;

    const secret = await store.get(NAME, { version });

    expect(secret?.value).toBe('token-1');
    expect(fake.sent.filter((command) => command.name === 'GetSecretValueCommand')).toHaveLength(0);
  });

  it('answers undefined for a secret that does not exist', async () => {
    const { store } = storeWithClock();

    expect(await store.get('dev/workspaces/ws_none/access-token')).toBeUndefined();
  });

  it('lets other failures through', async () => {
    const failing = { send: async () => Promise.reject(new Error('ThrottlingException')) } as unknown as SecretsManagerClient;

    await expect(new SecretStore(failing).get(NAME)).rejects.toThrow('ThrottlingException');
  });
});

describe('SecretStore.delete', () => {
  it('deletes without a recovery window and forgets the cached value', async () => {
    const { fake, store } = storeWithClock();
    await store.put(NAME, 'token-1');

    await store.delete(NAME);

    expect(fake.sent.at(-1)).toEqual({ name: 'DeleteSecretCommand', input: { SecretId: NAME, ForceDeleteWithoutRecovery: true } });
    expect(await store.get(NAME)).toBeUndefined();
  });

  it('treats deleting a missing secret as done', async () => {
    const { store } = storeWithClock();

    await expect(store.delete(NAME)).resolves.toBeUndefined();
  });
});

describe('secretNames', () => {
  it("puts a workspace's secrets under the stage prefix", () => {
    expect(secretNames.accessToken('dev', 'ws_1', 'c-1')).toBe('dev/workspaces/ws_1/c-1/access-token');
    expect(secretNames.webhookSecret('dev', 'ws_1', 'c-1')).toBe('dev/workspaces/ws_1/c-1/webhook-secret');
  });
});
