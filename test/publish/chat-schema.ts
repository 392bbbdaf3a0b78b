import { z } from 'zod';

/** The Amazon Q Developer in chat applications custom notification schema, as its documentation states it. */
export const ChatNotificationSchema = z
  .object({
    version: z.literal('1.0'),
    source: z.literal('custom'),
    id: z.string().optional(),
    content: z
      .object({
        textType: z.literal('client-markdown').optional(),
        title: z.string().optional(),
        description: z.string(),
        nextSteps: z.array(z.string()).optional(),
        keywords: z.array(z.string()).optional(),
      })
      .strict(),
    metadata: z
      .object({
        threadId: z.string().optional(),
        summary: z.string().optional(),
        eventType: z.string().optional(),
        relatedResources: z.array(z.string()).optional(),
        additionalContext: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Compact JSON sent to https, lambda and sqs subscribers. */
export const CompactSchema = z.object({
  kind: z.enum(['summary', 'alert']),
  runId: z.string(),
  maxSeverity: z.string().nullable(),
  accountIds: z.array(z.string()),
  summary: z.object({
    total: z.number(),
    suppressed: z.number(),
    bySeverity: z.record(z.string(), z.number()),
  }),
  changes: z.object({ new: z.number(), resolved: z.number(), stillOpen: z.number(), unknown: z.number() }),
  newFindings: z.array(
    z.object({ id: z.string(), checkId: z.string(), severity: z.string(), title: z.string() }),
  ),
  resolvedFindings: z.array(z.object({ id: z.string() })),
  omitted: z.object({ newFindings: z.number(), resolvedFindings: z.number() }),
});

/** The structured SNS message: a default body plus one string per protocol. */
export const StructuredSchema = z
  .object({ default: z.string(), email: z.string(), https: z.string(), lambda: z.string(), sqs: z.string() })
  .strict();
