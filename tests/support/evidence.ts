import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, stack } from './local-stack';

/** Every item of every table of the local stack, as JSON text, for "this never got stored" checks. */
export async function allStoredText(): Promise<string> {
  const tables = JSON.parse(process.env.TEST_TABLES ?? '[]') as string[];
  const chunks: string[] = [];
  for (const TableName of tables) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName, ExclusiveStartKey }));
      chunks.push(JSON.stringify(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return chunks.join('\n');
}

/** Everything the functions have logged so far in this run. */
export function functionLogText(): string {
  return readFileSync(stack.functionLog, 'utf8');
}
