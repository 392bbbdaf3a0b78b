/**
 * Bundles one function: `node --import tsx infra/bundle-function.ts NAME OUTDIR`. The CDK app runs
 * it during synthesis (see bundleFunctionSync); it prints the bundle size.
 */
import { bundleFunction, FUNCTION_NAMES } from './bundling.js';

const [name, outdir] = process.argv.slice(2);
if (!(name && outdir && (FUNCTION_NAMES as readonly string[]).includes(name))) {
  process.stderr.write(`usage: bundle-function.ts (${FUNCTION_NAMES.join('|')}) OUTDIR\n`);
  process.exit(2);
}
const bundle = await bundleFunction(name, outdir);
process.stdout.write(`${bundle.file} ${bundle.bytes} bytes\n`);
