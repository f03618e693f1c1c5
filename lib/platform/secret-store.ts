import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

export interface StoredSecret {
  value: string;
  version: string;
}

/** How a read may use the cache: see {@link SecretStore.get}. */
export interface SecretRead {
  /** Serve from the cache only the value of this version (however old), else read it. */
  version?: string | null;
  /** Read Secrets Manager whatever the cache holds. */
  fresh?: boolean;
}

/**
 * Secrets Manager, for the service's own secrets (Intercom tokens and client secrets).
 * Reads are cached per process for `maxAgeMs`. A reader that knows the secret may have changed
 * says so: by the version it expects (a rotated secret takes effect at once), or by asking for a
 * fresh read (a token Intercom refused).
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

  /**
   * The current value, or with `version` that version's (read by its id, so a reader never takes a
   * newer or older value than the one it asked for); undefined when there is no such secret.
   */
  async get(name: string, options: SecretRead = {}): Promise<StoredSecret | undefined> {
    const cached = this.cache.get(name);
    if (cached && !options.fresh && this.usable(cached, options)) return cached;
    try {
      const { SecretString, VersionId } = await this.client.send(
        new GetSecretValueCommand({ SecretId: name, ...(options.version ? { VersionId: options.version } : {}) }),
      );
      if (SecretString === undefined || VersionId === undefined) return undefined;
      const secret = { value: SecretString, version: VersionId };
      this.cache.set(name, { ...secret, fetchedAt: this.now() });
      return secret;
    } catch (error) {
      if (error instanceof ResourceNotFoundException || isBeingDeleted(error)) return undefined;
      throw error;
    }
  }

  private usable(cached: { version: string; fetchedAt: number }, options: SecretRead): boolean {
    if (options.version) return cached.version === options.version;
    return this.now() - cached.fetchedAt < this.maxAgeMs;
  }

  /**
   * Deletes without a recovery window. Secrets Manager finishes the deletion in the background and
   * refuses to create the name again for a while, so a name is never meant to be used again.
   */
  async delete(name: string): Promise<void> {
    this.cache.delete(name);
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/** A secret whose deletion Secrets Manager has not finished: for a reader, already gone. */
function isBeingDeleted(error: unknown): boolean {
  return error instanceof InvalidRequestException && /deleted|deletion/i.test(error.message);
}

/**
 * Names of a connection's secrets under the stage's prefix. Each connection has names of its own,
 * never used again once deleted (see `Connection.connectionId`); functions are granted them by the
 * last part of the name (serverless.yml).
 */
export const secretNames = {
  accessToken: (prefix: string, workspaceId: string, connectionId: string) =>
    `${prefix}/workspaces/${workspaceId}/${connectionId}/access-token`,
  webhookSecret: (prefix: string, workspaceId: string, connectionId: string) =>
    `${prefix}/workspaces/${workspaceId}/${connectionId}/webhook-secret`,
};
