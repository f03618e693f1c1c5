import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

export interface StoredSecret {
  value: string;
  version: string;
}

/**
 * Secrets Manager, for the service's own secrets (Intercom tokens and client secrets).
 * Reads are cached per process; a read that names a version is served from the cache only when the
 * cached value is that version, so a rotated secret takes effect at once.
 */
export class SecretStore {
  private readonly cache = new Map<string, StoredSecret & { fetchedAt: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly maxAgeMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates or replaces the secret; returns the new version id. */
  async put(name: string, value: string): Promise<string> {
    let version: string | undefined;
    try {
      ({ VersionId: version } = await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value })));
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      ({ VersionId: version } = await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value })));
    }
    if (!version) throw new Error(`Secrets Manager returned no version for ${name}`);
    this.cache.set(name, { value, version, fetchedAt: this.now() });
    return version;
  }

  /** The current value, or undefined when there is no such secret. */
  async get(name: string, options: { version?: string | null } = {}): Promise<StoredSecret | undefined> {
    const cached = this.cache.get(name);
    const fresh = cached && this.now() - cached.fetchedAt < this.maxAgeMs;
    if (cached && (options.version ? cached.version === options.version : fresh)) return cached;
    try {
      const { SecretString, VersionId } = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (SecretString === undefined || VersionId === undefined) return undefined;
      const secret = { value: SecretString, version: VersionId };
      this.cache.set(name, { ...secret, fetchedAt: this.now() });
      return secret;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Deletes at once (no recovery window), so the name can be used again on reconnect. */
  async delete(name: string): Promise<void> {
    this.cache.delete(name);
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/** Names of a workspace's secrets under the stage's prefix. */
export const secretNames = {
  accessToken: (prefix: string, workspaceId: string) => `${prefix}/workspaces/${workspaceId}/access-token`,
  webhookSecret: (prefix: string, workspaceId: string) => `${prefix}/workspaces/${workspaceId}/webhook-secret`,
};
