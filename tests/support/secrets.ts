import { GetSecretValueCommand, ListSecretsCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { secretNames } from '../../lib/platform/secret-store';
import { keys } from '../../lib/store/keys';
import { dynamo, secretsManager, stack } from './local-stack';

/** A secret's value in the local Secrets Manager, or undefined when there is none (or it is being deleted). */
export async function storedSecret(name: string): Promise<string | undefined> {
  try {
    return (await secretsManager.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'InvalidRequestException') return undefined;
    throw error;
  }
}

/** The id of the workspace's stored connection, which names its secrets. */
export async function connectionIdOf(workspaceId: string): Promise<string | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: stack.tableName, Key: keys.connection(workspaceId), ConsistentRead: true }));
  return Item?.connectionId as string | undefined;
}

/** The name of the access token of the workspace's current connection. */
export async function accessTokenName(workspaceId: string): Promise<string> {
  const connectionId = await connectionIdOf(workspaceId);
  if (!connectionId) throw new Error(`workspace ${workspaceId} has no connection`);
  return secretNames.accessToken(stack.secretsPrefix, workspaceId, connectionId);
}

/** The access token stored for the workspace's current connection, if any. */
export async function storedAccessToken(workspaceId: string): Promise<string | undefined> {
  return (await connectionIdOf(workspaceId)) ? storedSecret(await accessTokenName(workspaceId)) : undefined;
}

/** Names of every secret stored for these workspaces, whatever connection they belong to. */
export async function secretNamesOf(workspaceIds: string[]): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await secretsManager.send(new ListSecretsCommand({ MaxResults: 100, NextToken }));
    names.push(...(page.SecretList ?? []).map((secret) => secret.Name ?? ''));
    NextToken = page.NextToken;
  } while (NextToken);
  return names.filter((name) => workspaceIds.some((id) => name.startsWith(`${stack.secretsPrefix}/workspaces/${id}/`))).sort();
}
