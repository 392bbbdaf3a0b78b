import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SEVERITIES, type Severity } from '../../shared/model/severity.js';
import { metrics as defaultMetrics } from './observability.js';

/** What one nightly run reports as EMF metrics. */
export interface RunMetrics {
  bySeverity?: Record<Severity, number>;
  newFindings?: number;
  incompleteScopes?: number;
  apiCalls?: number;
  durationMs?: number;
  /** LookupEvents requests made (the call CloudTrail limits to 2/s per account-region). */
  lookupEventsCalls?: number;
  /** CloudTrail records those requests returned. */
  cloudTrailEventsRead?: number;
  /** Account-regions whose usage evidence this run could not complete (read stopped, failed, or ledger missing). */
  usageGaps?: number;
  /** SNS messages and Security Hub findings that did not go out after every retry. */
  publishFailures?: number;
}

/**
 * Adds the run's metrics: `Findings` per `Severity` dimension (all five, zero included, so alarms
 * see zeros rather than missing data), `NewFindings`, `IncompleteScopes`, `ApiCalls`,
 * `DurationMs`, `PublishFailures`, and for usage evidence `LookupEventsCalls`,
 * `CloudTrailEventsRead` and `UsageGaps`. They are flushed by the metrics middleware at the end of the invocation.
 */
export function recordRunMetrics(values: RunMetrics, metrics: Metrics = defaultMetrics): void {
  if (values.bySeverity) {
    for (const severity of SEVERITIES) {
      const single = metrics.singleMetric();
      single.addDimension('Severity', severity);
      single.addMetric('Findings', MetricUnit.Count, values.bySeverity[severity] ?? 0);
    }
  }
  if (values.newFindings !== undefined)
    metrics.addMetric('NewFindings', MetricUnit.Count, values.newFindings);
  if (values.incompleteScopes !== undefined)
    metrics.addMetric('IncompleteScopes', MetricUnit.Count, values.incompleteScopes);
  if (values.apiCalls !== undefined) metrics.addMetric('ApiCalls', MetricUnit.Count, values.apiCalls);
  if (values.lookupEventsCalls !== undefined)
    metrics.addMetric('LookupEventsCalls', MetricUnit.Count, values.lookupEventsCalls);
  if (values.cloudTrailEventsRead !== undefined)
    metrics.addMetric('CloudTrailEventsRead', MetricUnit.Count, values.cloudTrailEventsRead);
  if (values.usageGaps !== undefined) metrics.addMetric('UsageGaps', MetricUnit.Count, values.usageGaps);
  if (values.publishFailures !== undefined)
    metrics.addMetric('PublishFailures', MetricUnit.Count, values.publishFailures);
  if (values.durationMs !== undefined)
    metrics.addMetric('DurationMs', MetricUnit.Milliseconds, Math.round(values.durationMs));
}
