/**
 * Serverless Framework 3.40's configuration schema predates the nodejs22.x runtime, so every
 * serverless command warns about `provider.runtime`. The warning changes nothing: serverless still
 * builds and deploys nodejs22.x, and locally the functions run on this machine's Node.
 */
export const RUNTIME_WARNING_NOTE =
  "serverless warns that provider.runtime nodejs22.x is not in its schema: harmless, its v3 schema predates Node 22 and AWS runs it";

/**
 * What `npm start` prints of serverless-offline's output. While the stack starts, serverless-offline
 * lists every function, schedule and route; those lines are held back (`held`, printed if the start
 * fails) unless `verbose`, and serverless's runtime warning becomes one explained line. Once
 * `release` is called (after the summary), every line passes: the functions' logs.
 */
export class OfflineOutputFilter {
  readonly held: string[] = [];
  private released: boolean;
  private inConfigWarning = false;

  constructor(private readonly verbose: boolean) {
    this.released = verbose;
  }

  /** The lines to print now for one line of serverless-offline's output. */
  accept(line: string): string[] {
    const shown = `  │ ${line}`;
    if (line.startsWith('Warning: Invalid configuration encountered')) this.inConfigWarning = true;
    if (this.inConfigWarning && line.startsWith('Learn more about configuration validation')) this.inConfigWarning = false;
    const runtimeWarning = this.inConfigWarning && /\bat 'provider\.runtime'/.test(line);
    if (this.released) return runtimeWarning ? [shown, `• ${RUNTIME_WARNING_NOTE}`] : [shown];
    this.held.push(line);
    if (runtimeWarning) return [`• ${RUNTIME_WARNING_NOTE}`];
    // Another configuration warning may matter: shown, on one line.
    if (this.inConfigWarning && line.trimStart().startsWith('at ')) return [`• serverless warns: invalid configuration ${line.trim()}`];
    return [];
  }

  /** From now on every line passes. */
  release(): void {
    this.released = true;
  }
}
