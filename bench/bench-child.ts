import { fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs one benchmark script of this folder in a child process from its TypeScript source, with the
 * given environment on top of this process's, and answers the one message it sends back.
 */
export function benchChild<T>(script: string, env: Record<string, string>, execArgv: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, script), [], {
      execArgv: ['--import', 'tsx', ...execArgv],
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${script} exited with code ${code}`)));
  });
}
