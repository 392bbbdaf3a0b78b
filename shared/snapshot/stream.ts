import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { AuditError, InputError } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import { type CloudTrailDetail, InventoryBuilder, normalizeSnapshot } from './normalize.js';
import { accountConsistencyProblems, issueProblems, parseSnapshot, readSnapshotFile } from './parse.js';
import { SnapshotAccountSchema } from './schema.js';
import { isValidSnapshotAccount } from './validate.js';

/**
 * The largest snapshot file read by default: 512 MiB, about 260,000 Pod Identity associations with
 * their roles and CloudTrail history. The file is read account by account, so memory follows the
 * inventory rather than the file, but the inventory itself must fit Node's default heap (about
 * 4 GiB on 64-bit machines): at this size an audit peaks near 3 GiB. Above it the file is refused
 * with a message, rather than failing out of memory.
 */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 512 * 2 ** 20;

/**
 * The largest single `accounts[]` item: it is parsed as one JSON text, and V8 strings stop at
 * about 512 Mi characters.
 */
export const MAX_SNAPSHOT_ACCOUNT_BYTES = 256 * 2 ** 20;

/**
 * Invalid snapshots up to this size are re-read whole so their problems come out exactly as
 * `readSnapshotFile` reports them (JSON syntax errors with line and column); larger ones report
 * the problems found account by account.
 */
const WHOLE_TEXT_REPORT_BYTES = 256 * 2 ** 20;

/** Options of {@link loadInventoryFile}. */
export interface LoadInventoryOptions {
  /** Refuse files larger than this many bytes; default {@link DEFAULT_MAX_SNAPSHOT_BYTES}. */
  maxBytes?: number;
  /** Bytes read at a time (default 1 MiB); small values exercise items split across reads. */
  readChunkBytes?: number;
  /**
   * How much of each CloudTrail record the inventory keeps (default `full`); `evidence` keeps only
   * what usage evidence reads, parsed once while reading, which a large audit's memory and time need.
   */
  cloudTrailDetail?: CloudTrailDetail;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Strings this short are scanned here; a call to `indexOf` costs more than it saves. */
const SHORT_STRING_BYTES = 24;

/** The position of the next `"` at or after `from`, or -1. */
function nextQuote(chunk: Buffer, from: number): number {
  const end = Math.min(from + SHORT_STRING_BYTES, chunk.length);
  for (let at = from; at < end; at++) if (chunk[at] === QUOTE) return at;
  return end < chunk.length ? chunk.indexOf(QUOTE, end) : -1;
}

/** The scan stopped on something only the whole-text reader can describe. */
class Irregular extends AuditError {
  override name = 'Irregular';
}

/**
 * Splits snapshot JSON bytes into the envelope (every top-level member, with `accounts` emptied)
 * and the `accounts[]` items, handing each item's text over as soon as it is complete. Strings are
 * skipped with `indexOf`, so the scan costs little beside `JSON.parse`.
 */
class AccountSplitter {
  private depth = 0;
  private inString = false;
  /** The bytes of the depth-1 string being read (a top-level key or value). */
  private keyParts: Buffer[] | undefined;
  private lastKey: string | undefined;
  private currentKey: string | undefined;
  private inAccounts = false;
  private sawAccounts = false;
  private item: Buffer[] | undefined;
  private itemBytes = 0;
  private readonly envelope: Buffer[] = [];
  private started = false;
  count = 0;

  constructor(private readonly onAccount: (text: string, index: number) => void) {}

  push(chunk: Buffer): void {
    let index = 0;
    if (!this.started) {
      this.started = true;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) index = 3;
    }
    // Bytes outside items go to the envelope; `copyFrom` marks where the pending run started.
    let copyFrom = index;
    let itemFrom = -1;
    if (this.item) itemFrom = index;
    const length = chunk.length;
    while (index < length) {
      if (this.inString) {
        const close = nextQuote(chunk, index);
        if (close < 0) {
          if (this.keyParts) this.keyParts.push(chunk.subarray(index, length));
          index = length;
          break;
        }
        if (this.escapedAt(chunk, close)) {
          if (this.keyParts) this.keyParts.push(chunk.subarray(index, close + 1));
          index = close + 1;
          continue;
        }
        if (this.keyParts) {
          this.keyParts.push(chunk.subarray(index, close));
          this.lastKey = Buffer.concat(this.keyParts).toString('utf8');
          this.keyParts = undefined;
        }
        this.inString = false;
        this.pendingBackslashes = 0;
        index = close + 1;
        continue;
      }
      const byte = chunk[index];
      if (byte === QUOTE) {
        this.inString = true;
        this.pendingBackslashes = 0;
        if (this.depth === 1 && !this.item) this.keyParts = [];
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (this.inAccounts && this.depth === 2) {
          if (byte !== OPEN_BRACE) throw new Irregular();
          // An item starts: the envelope gets everything before it.
          this.keep(chunk, copyFrom, index);
          this.item = [];
          this.itemBytes = 0;
          itemFrom = index;
        } else if (this.depth === 1 && byte === OPEN_BRACKET && this.currentKey === 'accounts') {
          // A second `accounts` member (JSON.parse would keep the last) is left to the whole-text reader.
          if (this.sawAccounts) throw new Irregular();
          this.inAccounts = true;
          this.sawAccounts = true;
        }
        this.depth++;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth < 0) throw new Irregular();
        if (this.item && this.depth === 2) {
          this.finishItem(chunk.subarray(itemFrom, index + 1));
          itemFrom = -1;
          copyFrom = index + 1;
        } else if (this.inAccounts && this.depth === 1) {
          this.inAccounts = false;
        }
      } else if (byte === COLON && this.depth === 1) {
        this.currentKey = this.lastKey;
      } else if (byte === COMMA && this.inAccounts && this.depth === 2) {
        // Commas between items stay out of the envelope, whose `accounts` becomes `[]`.
        this.keep(chunk, copyFrom, index);
        copyFrom = index + 1;
      } else if (this.inAccounts && this.depth === 2 && !isSpace(byte)) {
        throw new Irregular();
      }
      index++;
    }
    if (this.item && itemFrom >= 0) {
      this.item.push(chunk.subarray(itemFrom, length));
      this.itemBytes += length - itemFrom;
      if (this.itemBytes > MAX_SNAPSHOT_ACCOUNT_BYTES) throw new AccountTooLarge(this.count);
    } else if (!this.item) {
      this.keep(chunk, copyFrom, length);
    }
  }

  /** Copies envelope bytes, so the envelope does not hold on to whole read buffers. */
  private keep(chunk: Buffer, from: number, to: number): void {
    if (to > from) this.envelope.push(Buffer.from(chunk.subarray(from, to)));
  }

  private pendingBackslashes = 0;

  /** True when the quote at `position` is escaped (an odd run of backslashes before it). */
  private escapedAt(chunk: Buffer, position: number): boolean {
    let backslashes = 0;
    let at = position - 1;
    while (at >= 0 && chunk[at] === BACKSLASH) {
      backslashes++;
      at--;
    }
    // A run of backslashes can start in the previous chunk.
    if (at < 0) backslashes += this.pendingBackslashes;
    return backslashes % 2 === 1;
  }

  /** Remembers the backslashes that end a chunk inside a string, for the next chunk's first quote. */
  endChunk(chunk: Buffer): void {
    if (!this.inString) return;
    let at = chunk.length - 1;
    let backslashes = 0;
    while (at >= 0 && chunk[at] === BACKSLASH) {
      backslashes++;
      at--;
    }
    this.pendingBackslashes = at < 0 ? this.pendingBackslashes + backslashes : backslashes;
  }

  private finishItem(last: Buffer): void {
    const parts = this.item ?? [];
    parts.push(last);
    this.itemBytes += last.length;
    this.item = undefined;
    if (this.itemBytes > MAX_SNAPSHOT_ACCOUNT_BYTES) throw new AccountTooLarge(this.count);
    const text = parts.length === 1 ? parts[0].toString('utf8') : Buffer.concat(parts).toString('utf8');
    this.onAccount(text, this.count);
    this.count++;
  }

  /** The envelope's JSON text (every top-level member; `accounts` is `[]`). */
  finish(): string {
    if (this.inString || this.depth !== 0 || this.item) throw new Irregular();
    return Buffer.concat(this.envelope).toString('utf8');
  }
}

class AccountTooLarge extends AuditError {
  override name = 'AccountTooLarge';
  constructor(readonly index: number) {
    super(`accounts[${index}] is larger than ${MAX_SNAPSHOT_ACCOUNT_BYTES / 2 ** 20} MiB`);
  }
}

/**
 * Reads, validates and normalizes a snapshot file account by account: memory holds the inventory
 * and one account's JSON, never the whole file or a second copy of it. The result, and every
 * problem of an invalid snapshot up to 256 MiB, are exactly those of
 * `normalizeSnapshot(await readSnapshotFile(path))`.
 *
 * @throws InputError when the file cannot be read, is larger than `maxBytes` (default 512 MiB), holds
 *   an account larger than 256 MiB, or is not a valid v1 snapshot.
 * @example const inventory = await loadInventoryFile('snapshot.json');
 */
export async function loadInventoryFile(
  path: string,
  options: LoadInventoryOptions = {},
): Promise<Inventory> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    // readSnapshotFile names the reason (no such file, permission denied, …).
    await readSnapshotFile(path);
    throw new InputError(`cannot read snapshot ${path}`);
  }
  if (size > maxBytes) {
    throw new InputError(`snapshot ${path} is too large`, [
      `${path}: ${(size / 2 ** 20).toFixed(0)} MiB is over the limit of ${(maxBytes / 2 ** 20).toFixed(0)} MiB; split the organization into several snapshots, or raise the limit with --max-snapshot-size (and Node's heap with NODE_OPTIONS=--max-old-space-size=MiB)`,
    ]);
  }

  const detail = { cloudTrailDetail: options.cloudTrailDetail ?? 'full' } as const;
  const builder = new InventoryBuilder(detail);
  const problems: string[] = [];
  const seenAccounts = new Map<string, number>();
  const splitter = new AccountSplitter((text, index) => {
    const json: unknown = JSON.parse(text);
    if (isValidSnapshotAccount(json)) {
      // Valid, the common case: the parsed JSON is the account, with no second copy of it.
      problems.push(...accountConsistencyProblems(path, json, index, seenAccounts));
      if (problems.length === 0) builder.add(json);
      return;
    }
    const result = SnapshotAccountSchema.safeParse(json);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push(
          ...issueProblems(
            path,
            { ...issue, path: ['accounts', index, ...issue.path] },
            { accounts: { [index]: json } },
          ),
        );
      }
    }
    problems.push(...accountConsistencyProblems(path, json, index, seenAccounts));
    // Once a problem is found the inventory is not needed: only the remaining problems are.
    if (result.success && problems.length === 0) builder.add(result.data);
  });

  let envelope: unknown;
  try {
    const stream = createReadStream(path, { highWaterMark: options.readChunkBytes ?? 2 ** 20 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      splitter.push(chunk);
      splitter.endChunk(chunk);
    }
    envelope = JSON.parse(splitter.finish());
  } catch (error) {
    if (error instanceof AccountTooLarge) {
      throw new InputError(`snapshot ${path} is too large`, [
        `${path} accounts[${error.index}]: one account's JSON is over the limit of ${MAX_SNAPSHOT_ACCOUNT_BYTES / 2 ** 20} MiB`,
      ]);
    }
    // Broken JSON, or a shape the splitter leaves to the whole-text reader (which locates it).
    if (!(error instanceof Irregular) && !(error instanceof SyntaxError)) throw error;
    return wholeTextOutcome(path, size, 'not valid JSON', detail.cloudTrailDetail);
  }

  problems.unshift(...envelopeProblems(path, envelope));
  if (problems.length > 0) {
    if (size <= WHOLE_TEXT_REPORT_BYTES)
      return wholeTextOutcome(path, size, 'invalid', detail.cloudTrailDetail);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new InputError(`${path} is not a valid snapshot (${count})`, problems);
  }
  return builder.build((envelope as { capturedAt: string }).capturedAt);
}

/** Problems of the top-level members (version, capturedAt, unknown keys), as `parseSnapshot` words them. */
function envelopeProblems(path: string, envelope: unknown): string[] {
  try {
    parseSnapshot(envelope, path);
    return [];
  } catch (error) {
    if (error instanceof InputError) return error.problems.length > 0 ? [...error.problems] : [error.message];
    throw error;
  }
}

/**
 * The invalid snapshot's problems as the whole-text reader reports them; a snapshot too large to
 * hold as one string gets a short message instead.
 */
async function wholeTextOutcome(
  path: string,
  size: number,
  what: string,
  cloudTrailDetail: CloudTrailDetail,
): Promise<Inventory> {
  if (size > WHOLE_TEXT_REPORT_BYTES) {
    throw new InputError(`${path} is not a valid snapshot`, [
      `${path}: ${what === 'invalid' ? 'invalid snapshot' : 'not valid JSON'}; the file is over ${WHOLE_TEXT_REPORT_BYTES / 2 ** 20} MiB, so the first problem is not located further`,
    ]);
  }
  // Throws the located problems; a snapshot the splitter only found unusual is read whole.
  return normalizeSnapshot(await readSnapshotFile(path), { cloudTrailDetail });
}
