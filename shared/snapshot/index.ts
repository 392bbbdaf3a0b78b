import type { Inventory } from '../model/inventory.js';
import { normalizeSnapshot } from './normalize.js';
import { readSnapshotFile } from './parse.js';

export { lookupEventRecord, normalizeSnapshot, parseCloudTrailEventText } from './normalize.js';
export {
  formatJsonPath,
  jsonSyntaxErrorOffset,
  parseSnapshot,
  parseSnapshotText,
  readSnapshotFile,
  SNAPSHOT_VERSION,
} from './parse.js';
export * from './schema.js';
export { writeSnapshot } from './write.js';

/**
 * Reads, validates and normalizes a snapshot file.
 *
 * @throws InputError naming the file and every problem.
 * @example const inventory = await loadInventory('test/fixtures/snapshot.json');
 */
export async function loadInventory(path: string): Promise<Inventory> {
  return normalizeSnapshot(await readSnapshotFile(path));
}
