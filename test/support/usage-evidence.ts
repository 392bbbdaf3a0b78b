import type { Report } from '../../shared/report/types.js';

/** What a report says of its usage evidence while lookups still backfill. */
export type UsageEvidence = NonNullable<Report['usageEvidence']>;

/** A busy organization's third night of lookups: 18 of 20 account-regions known, 3 nights to go. */
export const BACKFILLING_EVIDENCE: UsageEvidence = {
  source: 'lookup',
  known: 18,
  total: 20,
  percentDone: 93.1,
  nightsLeft: 3,
  cannotCatchUp: [],
  text: 'usage known for 18 of 20 account-regions, backfill 93.1% done, done in about 3 nights',
};
