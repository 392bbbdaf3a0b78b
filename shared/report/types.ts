import { z } from 'zod';
import { FindingSchema } from '../model/finding.js';
import { CollectionErrorSchema } from '../model/scope.js';
import { SEVERITIES } from '../model/severity.js';

/** Report v1 (docs/architecture.md §8). Extend, never break. */
export const ReportSchema = z.object({
  reportVersion: z.literal(1),
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /**
   * How complete the collection was (added in a later release, optional): `incomplete` when any
   * scope recorded errors, with their cause classes and the requested accounts and regions that
   * could not be read at all. Renderers put it at the top of every format.
   */
  collection: z
    .object({
      status: z.enum(['complete', 'incomplete']),
      incompleteScopes: z.number().int().nonnegative(),
      causes: z.array(z.string()),
      unread: z.array(
        z.object({
          accountId: z.string(),
          region: z.string().optional(),
          cause: z.string(),
          message: z.string(),
        }),
      ),
    })
    .optional(),
  /**
   * How far the usage ledgers are from covering the usage window (added in a later release,
   * optional; present when usage evidence comes from ledgers): account-regions whose usage is
   * known, percent of the windows covered, nights left at the measured rate, and the sentence.
   */
  usageEvidence: z
    .object({
      source: z.enum(['lookup', 'org-trail', 'ledger']),
      known: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      percentDone: z.number().min(0).max(100),
      nightsLeft: z.number().int().nonnegative().nullable().optional(),
      cannotCatchUp: z.array(z.string()),
      text: z.string(),
    })
    .optional(),
  baseline: z.object({
    source: z.string(),
    etag: z.string().optional(),
    versionId: z.string().optional(),
    sha256: z.string(),
  }),
  scopes: z.array(
    z.object({
      accountId: z.string(),
      region: z.string().optional(),
      cluster: z.string().optional(),
      level: z.string().optional(),
      status: z.enum(['complete', 'incomplete']),
      errors: z.array(CollectionErrorSchema),
    }),
  ),
  summary: z.object({
    bySeverity: z.record(z.enum(SEVERITIES), z.number().int().nonnegative()),
    byCheck: z.record(z.string(), z.number().int().nonnegative()),
    total: z.number().int().nonnegative(),
    suppressed: z.number().int().nonnegative().optional(),
    /** Resources whose usage could not be decided (evidence did not cover the window). */
    usageUnknown: z.number().int().nonnegative().optional(),
    /**
     * Claims of absence (missing, not found, stale, dangling) the run withheld because a scope they
     * rest on was not completely collected; absent when there were none.
     */
    absenceUnknown: z.number().int().nonnegative().optional(),
  }),
  findings: z.array(FindingSchema),
});
export type Report = z.infer<typeof ReportSchema>;
