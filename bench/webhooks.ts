import { startBenchServices } from './bench-services';
import { eventsWorkerFigures } from './events-figures';
import { runEventsWorkerBenchmark, runIntakeBenchmark } from './feedback-benchmarks';

/*
 * `npx tsx bench/webhooks.ts [--intake] [--events] [--cpu-prof DIR]`: only the intake and events
 * worker benchmarks of `npm run bench` (both without a flag), printed, not saved. `--cpu-prof`
 * writes each benchmark child's V8 CPU profile into DIR.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const profileAt = args.indexOf('--cpu-prof');
  const cpuProfileDir = profileAt === -1 ? undefined : args[profileAt + 1];
  const only = ['--intake', '--events'].filter((flag) => args.includes(flag));
  const services = await startBenchServices();
  try {
    if (only.length === 0 || only.includes('--intake')) {
      const intake = await runIntakeBenchmark(services, { cpuProfileDir });
      console.log(JSON.stringify({ intake, ratio: intake.intakeMedianMs / intake.referenceMedianMs }, null, 2));
    }
    if (only.length === 0 || only.includes('--events')) {
      const events = await runEventsWorkerBenchmark(services, { cpuProfileDir });
      console.log(JSON.stringify(events, null, 2));
      for (const f of eventsWorkerFigures(events)) console.log(`${f.name}: ${f.value}${f.unit} (${f.detail}) target ≤ ${f.target}: ${f.met ? 'met' : 'not met'}`);
    }
  } finally {
    await services.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
