import { auditHandler } from '../lib/middleware.js';
import { CutoverEventSchema, cutoverCheck } from './cutover.js';

/** Lambda entry point, invoked synchronously (`aws lambda invoke`) with `{ cluster, from, to, phase }`. */
export const handler = auditHandler({ event: CutoverEventSchema }, (event) => cutoverCheck(event));
