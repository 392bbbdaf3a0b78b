/**
 * Decodes an IAM policy document as it appears in API responses and snapshots: a URL-encoded JSON
 * string (what IAM returns and the SDK does not decode), a plain JSON string, or an object.
 *
 * @throws Error with a short reason when the text is not JSON after decoding.
 * @example decodePolicyDocument('%7B%22Version%22%3A%222012-10-17%22%7D') // { Version: '2012-10-17' }
 */
export function decodePolicyDocument(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  const text = document.trim();
  if (text.startsWith('{') || text.startsWith('[')) return JSON.parse(text);
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new Error('policy document is neither JSON nor URL-encoded JSON');
  }
  try {
    return JSON.parse(decoded);
  } catch {
    throw new Error('policy document is not valid JSON after URL-decoding');
  }
}
