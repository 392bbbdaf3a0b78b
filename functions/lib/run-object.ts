import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectText, isNotFound } from '../../shared/aws/s3.js';
import { InputError } from '../../shared/errors.js';

/**
 * Reads a JSON object a step of the run wrote to the audit bucket (the run's plan, its validated
 * baseline, the Map's items), as a value still to be validated.
 *
 * @param missing what to say when the object is not there, after its `s3://` location.
 * @throws InputError naming the `s3://` location when the object is missing or not JSON; the
 * client's other errors as they are.
 */
export async function readRunJson(
  s3: S3Client,
  where: { bucket: string; key: string },
  missing: string,
): Promise<unknown> {
  const uri = `s3://${where.bucket}/${where.key}`;
  let text: string;
  try {
    text = (await getObjectText(s3, where)).text;
  } catch (error) {
    if (isNotFound(error)) throw new InputError(`${uri}: ${missing}`, [], { cause: error });
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${uri}: not JSON (${(error as Error).message})`, [], { cause: error });
  }
}
