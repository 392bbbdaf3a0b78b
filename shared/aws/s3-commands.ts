/**
 * The S3 commands loaded on first use by `s3.ts` and the baseline reader. A module of their own,
 * so that loading them later keeps the rest of the S3 client (its other commands) out of a bundle,
 * as a static import of the two would.
 */
export { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
