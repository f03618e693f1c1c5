import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Child processes started by the local stack. Each runs in its own process group so that stopping
 * it also stops whatever it started (serverless-offline's esbuild, java's threads).
 */
export class ManagedProcess {
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  static start(name: string, command: string, args: string[], options: SpawnOptions): ManagedProcess {
    const child = spawn(command, args, { ...options, detached: true });
    return new ManagedProcess(name, child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stdout() {
    return this.child.stdout;
  }

  get stderr() {
    return this.child.stderr;
  }

  /** Resolves with the exit code when the process ends on its own. */
  get exit(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!live.has(this)) return;
    this.signal('SIGTERM');
    const killed = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!killed) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const live = new Set<ManagedProcess>();

// A crash of the parent must not leave children behind.
process.once('exit', () => {
  for (const managed of live) managed.signal('SIGKILL');
});

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, or throws after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await sleep(200);
  }
}
