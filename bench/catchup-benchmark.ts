import { benchChild } from './bench-child';
import type { BenchServices } from './bench-services';

export interface CatchupResult {
  olderTagged: number;
  updated: number;
  newlyTagged: number;
  /** The first catch-up, which sets the baseline (it sweeps, as every first run does). */
  setup: { outcomes: string[]; calls: number; ms: number };
  outcomes: string[];
  calls: number;
  byRoute: Record<string, number>;
  ms: number;
  ticketsCreated: number;
  recovered: number;
}

/** Intercom calls the catch-up may make for the workspace: one page per 150 updated conversations and one fetch per newly tagged one, plus a tenth. */
export function catchupTarget(result: Pick<CatchupResult, 'updated' | 'newlyTagged'>): number {
  return Math.round(1.1 * (Math.ceil(result.updated / 150) + result.newlyTagged) * 10) / 10;
}

/** One feedback catch-up of the workspace `bench/catchup.ts` describes, in a child process on the benchmark's services. */
export function runCatchupBenchmark(services: BenchServices): Promise<CatchupResult> {
  return benchChild('catchup.ts', { ...services.env, POWERTOOLS_LOG_LEVEL: 'SILENT' });
}
