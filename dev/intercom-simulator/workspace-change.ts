import type { SimulatorState } from './simulator-state';
import type { DeliverySummary } from './webhook-subscriptions';
import type { Workspace } from './workspace';

/**
 * Makes a change in a workspace, then notifies the webhook subscriptions of the events it caused
 * (unless `notify` is false) and answers, with the deliveries, once each first attempt is answered.
 * The control API and the simulator page both make their changes through it.
 */
export async function changeAndNotify<T>(
  state: SimulatorState,
  workspace: Workspace,
  notify: boolean | undefined,
  run: () => T,
): Promise<{ result: T; deliveries: DeliverySummary[] }> {
  const { result, events } = workspace.collectEvents(run);
  const deliveries = notify === false ? [] : await state.webhooks.publish(workspace, events);
  return { result, deliveries };
}
