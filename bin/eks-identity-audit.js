#!/usr/bin/env node
// Entry point for `npx eks-identity-audit`: runs the TypeScript CLI through tsx so a clean
// clone needs no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
