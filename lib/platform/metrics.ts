import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics, written to the log in the Embedded Metric Format. Namespace and service come
 * from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME.
 */
export const metrics = new Metrics();

/** Counts a queued notification acknowledged without being applied, by why (`DropReason`). */
export function countDroppedEvent(reason: string): void {
  const single = metrics.singleMetric();
  single.addDimension('reason', reason);
  single.addMetric('DroppedEvents', MetricUnit.Count, 1);
}
