import { expiredExceptions } from '../../baseline/exceptions.js';
import { sentence } from '../../text.js';
import type { Check, FindingDraft } from '../types.js';

/** A baseline exception past its `expires` date: it no longer suppresses anything. */
export const check: Check = {
  meta: {
    id: 'SUPPRESSION_EXPIRED',
    title: 'Baseline exception has expired',
    severity: 'LOW',
    category: 'meta',
    description:
      'An entry under `exceptions:` in the baseline is past its `expires` date, so the findings it suppressed are reported again. Expiry dates force a periodic review of accepted risks.',
    remediation:
      'Fix the underlying findings and delete the exception, or review it and set a new `expires` date in the baseline.',
    docsUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/finding-workflow-status.html',
  },
  evaluate(context) {
    const drafts: FindingDraft[] = [];
    for (const exception of expiredExceptions(context.baseline, context.now)) {
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `The baseline exception for ${exception.check} on ${exception.resource} expired on ${exception.expires} ("${exception.reason}"); its findings are reported again. Renew it after review or delete it`,
        ),
        accountId: '',
        resource: { type: 'Baseline', id: `exceptions/${exception.check}/${exception.resource}` },
        evidence: {
          check: exception.check,
          resource: exception.resource,
          reason: exception.reason,
          expires: exception.expires ?? null,
          baseline: context.baseline.source.name,
        },
        baselineLocation: exception.location,
      });
    }
    return drafts;
  },
};
