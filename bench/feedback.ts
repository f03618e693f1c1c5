import { startBenchServices } from './bench-services';
import { runBundleBenchmark } from './bundles';
import { canvasFigures, runCanvasBenchmark } from './canvas-benchmark';
import { catchupTarget, runCatchupBenchmark } from './catchup-benchmark';
import { runEventsWorkerBenchmark, runIntakeBenchmark, runWebhookLatencyBenchmark } from './feedback-benchmarks';
import { eventsWorkerFigures } from './events-figures';
import { figure, round, saveResults, type Figure } from './figures';

/*
 * The webhook, inbox app, feedback catch-up and packaging benchmarks of `npm run bench`, run after the contact
 * backfill benchmark; their figures join bench/results.json and bench/results.md beside their targets.
 * Nothing here fails on slowness. Option: --events N (default 1000) tag events for the latency run.
 */

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

async function main(): Promise<void> {
  const services = await startBenchServices();
  let intake;
  let eventsWorker;
  let canvas;
  let catchup;
  try {
    console.log('Intake handler against the reference handler...');
    intake = await runIntakeBenchmark(services);
    console.log('Events worker against the reference worker: CPU per event, a tag that makes a ticket and a reply...');
    eventsWorker = await runEventsWorkerBenchmark(services);
    console.log('Inbox app (Canvas Kit) handler: initialize and submit, warm and cold...');
    canvas = await runCanvasBenchmark(services);
    console.log('One feedback catch-up: 50,000 older tagged conversations, 10,000 updated, 100 newly tagged...');
    catchup = await runCatchupBenchmark(services);
  } finally {
    await services.stop();
  }
  const events = option('events', 1000);
  console.log(`Webhook to ticket through the local stack: 50 tag events one at a time, then ${events} in a burst...`);
  const { idle, burst: latency } = await runWebhookLatencyBenchmark(events, 50);
  console.log('Bundles and cold module loads...');
  const bundles = await runBundleBenchmark();

  const catchupCalls = catchupTarget(catchup);
  const figures: Figure[] = [
    figure('webhooks', 'intake handler, warm median per webhook, over a reference that makes the same network calls (the route GetItem, the HMAC, one SendMessage)', intake.intakeMedianMs / intake.referenceMedianMs, '×', 1.3, `${round(intake.intakeMedianMs)} ms vs ${round(intake.referenceMedianMs)} ms, ${intake.rounds} rounds each`),
    ...eventsWorkerFigures(eventsWorker),
    figure('webhooks', `tag to ticket at idle through the local stack, ${idle.events} tag events one after another: p50`, idle.p50Ms, 'ms', 1000, `p99 ${idle.p99Ms} ms; medians: intake ${idle.intakeP50Ms} ms, then queue and worker ${idle.queueAndWorkerP50Ms} ms`),
    figure('webhooks', `webhook to ticket through the local stack, ${latency.events} tag events 10 at a time: p50`, latency.p50Ms, 'ms', null, `p99 ${latency.p99Ms} ms, ${round(latency.eventsPerSecond, 1)} events/s`),
    ...bundles.flatMap((bundle) => [
      figure('functions', `${bundle.function}: cold module load over a bundle of only its SDK clients (${bundle.sdkClients.join(', ')})`, bundle.loadCpuMs / bundle.referenceLoadCpuMs, '×', 1.3, `CPU ${round(bundle.loadCpuMs, 1)} ms vs ${round(bundle.referenceLoadCpuMs, 1)} ms; wall ${round(bundle.loadMs, 1)} ms vs ${round(bundle.referenceLoadMs, 1)} ms`),
      figure('functions', `${bundle.function}: bundle size over the SDK clients' bundle`, bundle.bytes / bundle.referenceBytes, '×', null, `${Math.round(bundle.bytes / 1024)} KiB vs ${Math.round(bundle.referenceBytes / 1024)} KiB`),
    ]),
    ...canvasFigures(canvas),
    figure('catch-up', `Intercom calls of one catch-up: ${catchup.olderTagged} older tagged conversations, ${catchup.updated} updated in the window, ${catchup.newlyTagged} of them newly tagged`, catchup.calls, 'calls', catchupCalls, `${Object.entries(catchup.byRoute).map(([route, count]) => `${count} ${route}`).join(', ')}; ${round(catchup.ms / 1000, 1)} s, ${catchup.ticketsCreated} tickets made; target 1.1 × (${Math.ceil(catchup.updated / 150)} + ${catchup.newlyTagged})`),
  ];
  saveResults(['webhooks', 'functions', 'inbox app', 'catch-up'], {
    figures,
    details: { webhooks: { intake, eventsWorker, webhookToTicket: latency, tagToTicketAtIdle: idle }, functions: { bundles }, 'inbox app': canvas, 'catch-up': catchup },
    notes: {
      'catch-up': [
        `The catch-up's first run, which sets the count baseline by sweeping every tagged conversation (as any first run does), took ${catchup.setup.calls} Intercom calls and ${round(catchup.setup.ms / 1000, 1)} s; DynamoDB Local and the simulator share this machine's CPUs with the code measured.`,
      ],
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
