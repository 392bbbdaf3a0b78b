import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

// No Powertools Tracer: it patched no SDK client here, so it only added a handler subsegment that
// Lambda's active tracing already records, while the X-Ray SDK it loads cost ~115 KB per bundle.

/** Metrics namespace when the environment names none (the CDK app sets POWERTOOLS_METRICS_NAMESPACE). */
export const DEFAULT_METRICS_NAMESPACE = 'EksIdentityAudit';

/** The one structured JSON logger of a function; the handler appends run id and account keys. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eks-identity-audit',
});

/** The one EMF metrics instance of a function. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eks-identity-audit',
});
