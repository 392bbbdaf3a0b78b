import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let library: typeof Yaml | undefined;

/**
 * The position-aware YAML parser (`yaml`), loaded the first time a baseline is read by it: one with
 * a problem, or one the fast path leaves alone. A valid baseline read on the fast path never loads
 * it, which spares every start of `baseline validate` and of the functions its module graph. Required
 * synchronously because reading a baseline is synchronous (`yaml` ships CommonJS for Node); a
 * function bundle ships it as a file of its own (see `infra/bundling.ts`).
 */
export function yamlLibrary(): typeof Yaml {
  library ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return library;
}
