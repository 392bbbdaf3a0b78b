#!/usr/bin/env node
// Entry point for `npx eks-identity-audit`. Runs the CLI built by `npm ci` / `npm run build`
// (bin/build-cli.mjs) when that build is newer than every source it was built from; otherwise the
// TypeScript CLI through tsx, so a clean clone or an edited source needs no build step.
import { readFileSync, statSync } from 'node:fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = new URL('../', import.meta.url);

/** The built CLI's entry, or undefined when there is none or a source changed after it was built. */
function currentBuild() {
  try {
    const built = new URL('dist/cli/inputs.json', root);
    const { inputs } = JSON.parse(readFileSync(built, 'utf8'));
    const builtAt = statSync(built).mtimeMs;
    const changed = inputs.some((input) => statSync(new URL(input, root)).mtimeMs > builtAt);
    return changed ? undefined : new URL('dist/cli/main.js', root);
  } catch {
    // No build, a partial one, or a source that is gone: the sources decide.
    return undefined;
  }
}

const built = process.env.EKS_IDENTITY_AUDIT_FROM_SOURCE === '1' ? undefined : currentBuild();
let main;
if (built) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
