import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_API_VERSION } from './api-version';
import { SimulatorClock } from './clock';
import { ControlError, unknown } from './control-error';
import type { CreateTokenInput, CreateWorkspaceInput, OAuthClientInput } from './control.schema';
import { FaultInjector } from './fault-injector';
import { randomHex } from './id-factory';
import { PERMISSIONS, type Permission } from './permissions';
import { hashString } from './prng';
import { RequestStats } from './request-stats';
import { WebhookSubscriptions, type AppRef } from './webhook-subscriptions';
import { nowSeconds, Workspace } from './workspace';

export interface TokenRecord {
  token: string;
  appId: string;
  permissions: ReadonlySet<Permission>;
  /** The admin `/me` describes. */
  adminId: string;
  /** `oauth` tokens come from the token exchange; `access` tokens from the control API. */
  kind: 'access' | 'oauth';
  clientId: string | null;
  revoked: boolean;
  createdAt: number;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  name: string;
}

interface AuthorizationCode {
  clientId: string;
  appId: string;
  adminId: string;
  redirectUri: string;
  expiresAt: number;
}

/** Intercom codes live about five minutes. */
const CODE_TTL_SECONDS = 300;

/** Real tokens are base64 of `tok:<uuid>:...`; so are these. */
function newToken(): string {
  return Buffer.from(`tok:${randomUUID()}:${randomHex(3)}:0`, 'utf8').toString('base64');
}

/**
 * Everything the simulator holds: workspaces, tokens (an index across workspaces), OAuth
 * clients and codes, the global fault and statistics scopes, the clock and the apps' webhook
 * subscriptions.
 */
export class SimulatorState {
  readonly clock = new SimulatorClock();
  readonly webhooks = new WebhookSubscriptions({
    clock: this.clock,
    secretOf: (app) => this.appSecret(app),
    receives: (app, appId) => (app.type === 'private' ? app.appId === appId && this.workspaces.has(appId) : this.isInstalled(app.clientId, appId)),
  });
  readonly workspaces = new Map<string, Workspace>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly oauthClients = new Map<string, OAuthClient>();
  readonly globalFaults = new FaultInjector();
  /** Requests no workspace can be charged with (bad tokens, OAuth endpoints). */
  readonly globalStats = new RequestStats();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly salts = new Set<number>();
  private codeCount = 0;

  /** Creates a workspace and an access token for it. */
  createWorkspace(input: CreateWorkspaceInput): { workspace: Workspace; token: TokenRecord } {
    const appId = input.idCode ?? this.freeAppId();
    if (this.workspaces.has(appId)) throw new ControlError(409, 'conflict', `Workspace ${appId} exists`);
    const workspace = new Workspace(
      {
        appId,
        name: input.name ?? `Simulated workspace ${appId}`,
        region: input.region ?? 'US',
        strictRegion: input.strictRegion ?? false,
        timezone: input.timezone ?? 'Etc/UTC',
        createdAt: input.createdAt ?? this.clock.now(),
        clientSecret: input.clientSecret ?? randomUUID(),
        missingPermissionStyle: input.missingPermissionStyle ?? 'token_unauthorized',
        apiVersion: input.apiVersion ?? DEFAULT_API_VERSION,
        tagTouchesUpdatedAt: input.tagTouchesUpdatedAt ?? false,
        redactTouchesUpdatedAt: input.redactTouchesUpdatedAt ?? false,
      },
      this.claimSalt(appId),
      () => this.clock.now(),
    );
    this.workspaces.set(appId, workspace);
    const token = this.issueToken(appId, { permissions: input.tokenPermissions });
    return { workspace, token };
  }

  deleteWorkspace(appId: string): void {
    const workspace = this.workspace(appId);
    this.workspaces.delete(appId);
    this.salts.delete(workspace.ids.salt);
    for (const [value, token] of this.tokens) if (token.appId === appId) this.tokens.delete(value);
    this.webhooks.unsubscribe({ type: 'private', appId });
  }

  workspace(appId: string): Workspace {
    const workspace = this.workspaces.get(appId);
    if (!workspace) throw unknown('workspace', appId);
    return workspace;
  }

  issueToken(appId: string, input: CreateTokenInput & { kind?: TokenRecord['kind']; clientId?: string }): TokenRecord {
    const workspace = this.workspace(appId);
    const record: TokenRecord = {
      token: newToken(),
      appId,
      permissions: new Set(input.permissions ?? PERMISSIONS),
      adminId: workspace.admin(input.adminId).id,
      kind: input.kind ?? 'access',
      clientId: input.clientId ?? null,
      revoked: false,
      createdAt: nowSeconds(),
    };
    this.tokens.set(record.token, record);
    return record;
  }

  /** The live token and its workspace, or null for unknown and revoked tokens. */
  resolveToken(token: string): { token: TokenRecord; workspace: Workspace } | null {
    const record = this.tokens.get(token);
    if (!record || record.revoked) return null;
    const workspace = this.workspaces.get(record.appId);
    return workspace ? { token: record, workspace } : null;
  }

  revokeToken(token: string): void {
    const record = this.tokens.get(token);
    if (!record) throw unknown('token', `${token.slice(0, 8)}...`);
    record.revoked = true;
  }

  // OAuth

  registerOAuthClient(input: OAuthClientInput): OAuthClient {
    const client: OAuthClient = {
      clientId: input.clientId ?? randomUUID(),
      clientSecret: input.clientSecret ?? randomUUID(),
      redirectUris: input.redirectUris ?? [],
      name: input.name ?? 'Timebook',
    };
    this.oauthClients.set(client.clientId, client);
    return client;
  }

  oauthClient(clientId: string): OAuthClient {
    const client = this.oauthClients.get(clientId);
    if (!client) throw unknown('OAuth client', clientId);
    return client;
  }

  /** Installs an OAuth app as the consent flow would, without it: an OAuth token for the workspace. */
  install(clientId: string, appId: string, adminId?: string): TokenRecord {
    this.oauthClient(clientId);
    return this.issueToken(appId, { adminId, kind: 'oauth', clientId });
  }

  /** Whether the OAuth app holds a live token for the workspace (revoking the last one uninstalls it). */
  isInstalled(clientId: string, appId: string): boolean {
    if (!this.workspaces.has(appId)) return false;
    for (const token of this.tokens.values()) {
      if (token.kind === 'oauth' && token.clientId === clientId && token.appId === appId && !token.revoked) return true;
    }
    return false;
  }

  /** The workspaces the OAuth app is installed in. */
  installations(clientId: string): string[] {
    this.oauthClient(clientId);
    return [...this.workspaces.keys()].filter((appId) => this.isInstalled(clientId, appId));
  }

  /** The client secret that signs an app's webhooks: the workspace's for its private app, the OAuth app's own. */
  private appSecret(app: AppRef): string | null {
    if (app.type === 'private') return this.workspaces.get(app.appId)?.settings.clientSecret ?? null;
    return this.oauthClients.get(app.clientId)?.clientSecret ?? null;
  }

  /** A single-use code for installing `clientId` into `appId`. About a third end in `=`, like Intercom's. */
  issueCode(clientId: string, appId: string, redirectUri: string): string {
    const workspace = this.workspace(appId);
    const length = [16, 17, 18][this.codeCount++ % 3] as number;
    const code = randomBytes(length).toString('base64');
    this.codes.set(code, {
      clientId,
      appId,
      adminId: workspace.admin().id,
      redirectUri,
      expiresAt: nowSeconds() + CODE_TTL_SECONDS,
    });
    return code;
  }

  /** Consumes a code; null when it is unknown, used, expired or belongs to another client. */
  redeemCode(code: string, clientId: string): AuthorizationCode | null {
    const grant = this.codes.get(code);
    if (!grant) return null;
    this.codes.delete(code);
    if (grant.clientId !== clientId || grant.expiresAt < nowSeconds()) return null;
    return grant;
  }

  private freeAppId(): string {
    let appId = `sim${randomHex(4)}`;
    while (this.workspaces.has(appId)) appId = `sim${randomHex(4)}`;
    return appId;
  }

  /** A 6-digit salt derived from the app id, probing onward when a live workspace holds it. */
  private claimSalt(appId: string): number {
    let salt = 100000 + (hashString(appId) % 900000);
    while (this.salts.has(salt)) salt = salt === 999999 ? 100000 : salt + 1;
    this.salts.add(salt);
    return salt;
  }
}
