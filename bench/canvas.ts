import { startBenchServices } from './bench-services';
import { canvasFigures, runCanvasBenchmark } from './canvas-benchmark';

/* `npx tsx bench/canvas.ts`: only the inbox app's benchmark of `npm run bench`, printed, not saved. */
async function main(): Promise<void> {
  const services = await startBenchServices();
  try {
    const result = await runCanvasBenchmark(services);
    console.log(JSON.stringify(result, null, 2));
    for (const f of canvasFigures(result)) console.log(`${f.name}: ${f.value} ${f.unit}${f.detail ? ` (${f.detail})` : ''}, target ≤ ${f.target}: ${f.met ? 'met' : 'not met'}`);
  } finally {
    await services.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
