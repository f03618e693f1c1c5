import { benchChild } from './bench-child';
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
  return benchChild('canvas-handler.ts', { ...services.env, PUBLIC_BASE_URL: 'http://localhost:3000', APP_URL: 'http://localhost:5173', POWERTOOLS_LOG_LEVEL: 'SILENT', BENCH_CANVAS_FIRST: first });
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
