import type { EventsResult, SideResult } from './events-worker';
import { figure, round, type Figure } from './figures';

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const perEvent = (side: SideResult, counts: Record<string, number>) => round(total(counts) / side.events, 1);

const WHAT = { tag: 'a trigger tag that makes a ticket', reply: 'a reply on a ticketed conversation' } as const;

/** The events worker's figures: CPU per event over the reference's, with the requests each side made per event. */
export function eventsWorkerFigures(result: EventsResult): Figure[] {
  return (['tag', 'reply'] as const).map((kind) => {
    const { worker, reference } = result[kind];
    const requests = (side: SideResult) => `${perEvent(side, side.dynamodb)} DynamoDB and ${perEvent(side, side.intercom)} Intercom requests`;
    return figure(
      'webhooks',
      `events worker CPU per event, ${WHAT[kind]}, over a reference that makes the same DynamoDB and Intercom calls with no framework`,
      worker.cpuMsPerEvent / reference.cpuMsPerEvent,
      '×',
      1.5,
      `${round(worker.cpuMsPerEvent, 1)} vs ${round(reference.cpuMsPerEvent, 1)} CPU-ms per event (user time alone ${round(worker.userCpuMsPerEvent, 1)} vs ${round(reference.userCpuMsPerEvent, 1)}), medians of batches of 10, ${worker.events} events each; per event ${requests(worker)} vs ${requests(reference)}`,
    );
  });
}
