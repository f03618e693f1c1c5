import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { BenchServices } from './bench-services';
import { figure, round, type Figure } from './figures';

export interface CanvasResult {
  rounds: number;
  submits: number;
  initializeMedianMs: number;
  intakeMedianMs: number;
  submitMedianMs: number;
  initializeColdMs: number;
  submitColdMs: number;
}

function runChild(services: BenchServices, first: 'initialize' | 'submit'): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'canvas-handler.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...services.env, PUBLIC_BASE_URL: 'http://localhost:3000', APP_URL: 'http://localhost:5173', POWERTOOLS_LOG_LEVEL: 'SILENT', BENCH_CANVAS_FIRST: first },
      stdio: 'inherit',
    });
    child.once('message', (message) => resolve(message as Record<string, number>));
    child.once('exit', (code) => reject(new Error(`the canvas benchmark exited with code ${code}`)));
  });
}

/**
 * The inbox app's canvas handler: warm medians of `initialize` (beside the webhook intake's, same
 * process, alternated; target `initialize` ≤ 1.5× the intake) and of a `submit` that makes a ticket
 * (target under 500 ms), and each one's first call in a fresh process (cold; target under 500 ms).
 */
export async function runCanvasBenchmark(services: BenchServices): Promise<CanvasResult> {
  const warm = await runChild(services, 'initialize');
  const coldSubmit = await runChild(services, 'submit');
  return {
    rounds: warm.rounds!,
    submits: warm.submits!,
    initializeMedianMs: warm.initializeMedianMs!,
    intakeMedianMs: warm.intakeMedianMs!,
    submitMedianMs: warm.submitMedianMs!,
    initializeColdMs: warm.coldMs!,
    submitColdMs: coldSubmit.coldMs!,
  };
}

/** The inbox app's figures, beside their targets. */
export function canvasFigures(canvas: CanvasResult): Figure[] {
  return [
    figure('inbox app', "`initialize` (a conversation with a ticket), warm median over the intake's in the same process", canvas.initializeMedianMs / canvas.intakeMedianMs, '×', 1.5, `${round(canvas.initializeMedianMs)} ms vs ${round(canvas.intakeMedianMs)} ms, ${canvas.rounds} rounds each`),
    figure('inbox app', '`submit` that makes a ticket (two Intercom reads), warm median', canvas.submitMedianMs, 'ms', 500, `${canvas.submits} sends`),
    figure('inbox app', '`initialize`, first call in a fresh process', canvas.initializeColdMs, 'ms', 500),
    figure('inbox app', '`submit`, first call in a fresh process', canvas.submitColdMs, 'ms', 500),
  ];
}
