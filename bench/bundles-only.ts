/**
 * The cold module load figure alone, for the functions named (all when none):
 * `npx tsx bench/bundles-only.ts [--runs 15] [eventsWorker writeBack ...]`. Nothing is saved.
 */
import { runBundleBenchmark } from './bundles';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt === -1 ? 15 : Number(args.splice(runsAt, 2)[1]);
const only = args.length > 0 ? args : undefined;

void runBundleBenchmark({ runs, only }).then((results) => {
  for (const r of results) {
    const ratio = r.loadCpuMs / r.referenceLoadCpuMs;
    console.log(
      `${r.function.padEnd(24)} ${ratio.toFixed(2)}x ${ratio <= 1.3 ? 'met' : 'MISSED'}  cpu ${r.loadCpuMs.toFixed(1)} / ${r.referenceLoadCpuMs.toFixed(1)} ms  ${(r.bytes / 1024).toFixed(0)} KiB`,
    );
  }
});
