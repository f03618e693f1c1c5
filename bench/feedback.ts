import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchServices } from './bench-services';
import { runBundleBenchmark } from './bundles';
import { canvasResultLines, runCanvasBenchmark } from './canvas-benchmark';
import { catchupTarget, runCatchupBenchmark } from './catchup-benchmark';
import { runIntakeBenchmark, runWebhookLatencyBenchmark } from './feedback-benchmarks';

/*
 * The webhook, inbox app, feedback catch-up and packaging benchmarks of `npm run bench`, run after the contact
 * backfill benchmark; their figures join bench/results.json and bench/results.md beside their targets.
 * Nothing here fails on slowness. Option: --events N (default 1000) tag events for the latency run.
 */

const RESULTS_JSON = join(__dirname, 'results.json');
const RESULTS_MD = join(__dirname, 'results.md');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const verdict = (met: boolean) => (met ? 'met' : 'not met');

async function main(): Promise<void> {
  const services = await startBenchServices();
  let intake;
  let canvas;
  let catchup;
  try {
    console.log('Intake handler against the reference handler...');
    intake = await runIntakeBenchmark(services);
    console.log('Inbox app (Canvas Kit) handler: initialize and submit, warm and cold...');
    canvas = await runCanvasBenchmark(services);
    console.log('One feedback catch-up: 50,000 older tagged conversations, 10,000 updated, 100 newly tagged...');
    catchup = await runCatchupBenchmark(services);
  } finally {
    await services.stop();
  }
  const events = option('events', 1000);
  console.log(`Webhook to ticket through the local stack, ${events} tag events...`);
  const latency = await runWebhookLatencyBenchmark(events);
  console.log('Bundles and cold module loads...');
  const bundles = await runBundleBenchmark();

  const results = {
    intake: { ...intake, ratio: round(intake.intakeMedianMs / intake.referenceMedianMs), target: 1.5 },
    inboxApp: { ...canvas, initializeRatio: round(canvas.initializeMedianMs / canvas.intakeMedianMs), targets: { initializeRatio: 1.5, ms: 500 } },
    webhookToTicket: { ...latency, eventsPerSecond: round(latency.eventsPerSecond, 1) },
    feedbackCatchup: { ...catchup, target: catchupTarget(catchup) },
    bundles: bundles.map((bundle) => ({
      ...bundle,
      sizeRatio: round(bundle.bytes / bundle.referenceBytes),
      loadRatio: round(bundle.loadMs / bundle.referenceLoadMs),
      loadMs: round(bundle.loadMs, 1),
      referenceLoadMs: round(bundle.referenceLoadMs, 1),
      target: 1.3,
    })),
  };
  const existing = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : {};
  writeFileSync(RESULTS_JSON, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);

  const lines = [
    '',
    '# Webhook and packaging benchmarks',
    '',
    '| measure | result | target | |',
    '|---|---|---|---|',
    `| intake handler, warm median per webhook, over a reference that only checks the HMAC and sends one SQS message | ${results.intake.ratio}× (${round(intake.intakeMedianMs)} ms vs ${round(intake.referenceMedianMs)} ms, ${intake.rounds} rounds each) | ≤ 1.5× | ${verdict(results.intake.ratio <= 1.5)} |`,
    ...canvasResultLines(canvas),
    `| webhook to ticket through the local stack, ${latency.events} tag events | p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ${results.webhookToTicket.eventsPerSecond} events/s | reported | |`,
    `| one feedback catch-up: ${catchup.olderTagged} older tagged conversations, ${catchup.updated} updated in the window, ${catchup.newlyTagged} of them newly tagged | ${catchup.calls} Intercom calls (${Object.entries(catchup.byRoute).map(([route, count]) => `${count} ${route}`).join(', ')}), ${round(catchup.ms / 1000, 1)} s, ${catchup.ticketsCreated} tickets made | calls ≤ ${results.feedbackCatchup.target} (1.1 × (${Math.ceil(catchup.updated / 150)} + ${catchup.newlyTagged})); time reported | ${verdict(catchup.calls <= results.feedbackCatchup.target)} |`,
    ...results.bundles.map(
      (bundle) =>
        `| ${bundle.function}: bundle and cold module load over a bundle of only its SDK clients (${bundle.sdkClients.join(', ')}) | size ${bundle.sizeRatio}× (${Math.round(bundle.bytes / 1024)} KiB), load ${bundle.loadRatio}× (${bundle.loadMs} ms vs ${bundle.referenceLoadMs} ms) | ≤ 1.3× | size ${verdict(bundle.sizeRatio <= 1.3)}, load ${verdict(bundle.loadRatio <= 1.3)} |`,
    ),
    '',
    `The catch-up's first run, which sets the count baseline by sweeping every tagged conversation (as any first run does), took ${catchup.setup.calls} Intercom calls and ${round(catchup.setup.ms / 1000, 1)} s; DynamoDB Local and the simulator share this machine's CPUs with the code measured.`,
    '',
  ];
  writeFileSync(RESULTS_MD, `${existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, 'utf8') : ''}${lines.join('\n')}`);
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
