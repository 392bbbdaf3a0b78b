/**
 * Text written in pieces: the renderers produce their lines lazily and these helpers batch them
 * into chunks of a bounded size, so a report of hundreds of thousands of findings is stored
 * without ever being one string as large as itself (V8 refuses strings past about 512 MiB).
 */

/** Characters gathered into one chunk before it is handed on: large enough that few chunks are made. */
export const CHUNK_CHARACTERS = 256 * 1024;

/**
 * The pieces of `items.join(separator)`, at least {@link CHUNK_CHARACTERS} long each but the last.
 *
 * @example [...joinedChunks(['a', 'b'], '\n')].join('') === 'a\nb'
 */
export function* joinedChunks(items: Iterable<string>, separator: string): Generator<string> {
  let pending: string[] = [];
  let length = 0;
  let first = true;
  for (const item of items) {
    if (!first) {
      pending.push(separator);
      length += separator.length;
    }
    first = false;
    pending.push(item);
    length += item.length;
    if (length >= CHUNK_CHARACTERS) {
      yield pending.join('');
      pending = [];
      length = 0;
    }
  }
  if (length > 0) yield pending.join('');
}

/**
 * The pieces of `chunks.join('').trimEnd()`: whitespace at the end of a chunk is held back until
 * text follows it, and dropped when none does.
 */
export function* trimmedEndChunks(chunks: Iterable<string>): Generator<string> {
  let held = '';
  for (const chunk of chunks) {
    const trimmed = chunk.trimEnd();
    if (trimmed.length === 0) {
      held += chunk;
      continue;
    }
    yield held + trimmed;
    held = chunk.slice(trimmed.length);
  }
}
