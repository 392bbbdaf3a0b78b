import type { Inventory } from '../model/inventory.js';
import { type LoadInventoryOptions, loadInventoryFile } from './stream.js';

export { jsonSyntaxErrorOffset } from '../json.js';
export {
  type CloudTrailDetail,
  EVIDENCE_DETAIL_FIELDS,
  evidenceDetail,
  InventoryBuilder,
  lookupEventRecord,
  normalizeSnapshot,
  parseCloudTrailEventText,
} from './normalize.js';
export {
  formatJsonPath,
  parseSnapshot,
  parseSnapshotText,
  readSnapshotFile,
  SNAPSHOT_VERSION,
} from './parse.js';
export * from './schema.js';
export {
  DEFAULT_MAX_SNAPSHOT_BYTES,
  type LoadInventoryOptions,
  loadInventoryFile,
  MAX_SNAPSHOT_ACCOUNT_BYTES,
} from './stream.js';
export { writeSnapshot } from './write.js';

/**
 * Reads, validates and normalizes a snapshot file, account by account (see {@link loadInventoryFile}).
 *
 * @throws InputError naming the file and every problem, or the size limit it is over.
 * @example const inventory = await loadInventory('test/fixtures/snapshot.json');
 */
export async function loadInventory(path: string, options: LoadInventoryOptions = {}): Promise<Inventory> {
  return loadInventoryFile(path, options);
}
