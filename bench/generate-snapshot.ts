/**
 * Writes a generated organization's snapshot and baseline, for the offline benchmark or for
 * auditing by hand:
 *
 *   node --import tsx bench/generate-snapshot.ts --associations 100000 --out x.json --baseline-out b.yaml --seed 7
 *     [--kind standard|finding-heavy|irsa-heavy] [--syntax block|flow|json]
 *
 * Every account of a kind has the same clusters, roles, OIDC providers and CloudTrail events (see
 * `support/offline-organization.ts`), so everything grows with `--associations`. Not a benchmark
 * of its own: `npm run bench` skips it.
 */
import { parseArgs } from 'node:util';
import {
  BASELINE_SYNTAXES,
  type BaselineSyntax,
  ORGANIZATION_KINDS,
  type OrganizationKind,
  shapeForAssociations,
  writeBaselineFile,
  writeSnapshotFile,
} from './support/offline-organization.js';

const { values } = parseArgs({
  options: {
    associations: { type: 'string', default: '100000' },
    out: { type: 'string' },
    'baseline-out': { type: 'string' },
    seed: { type: 'string', default: '7' },
    kind: { type: 'string', default: 'standard' },
    syntax: { type: 'string', default: 'block' },
  },
});
const kind = values.kind as OrganizationKind;
const syntax = values.syntax as BaselineSyntax;
if (!ORGANIZATION_KINDS.includes(kind)) {
  process.stderr.write(`--kind must be one of ${ORGANIZATION_KINDS.join(', ')}\n`);
  process.exit(1);
}
if (!BASELINE_SYNTAXES.includes(syntax)) {
  process.stderr.write(`--syntax must be one of ${BASELINE_SYNTAXES.join(', ')}\n`);
  process.exit(1);
}
const associations = Number(values.associations);
const seed = Number(values.seed);
if (!Number.isInteger(associations) || associations < 1) {
  process.stderr.write('--associations must be a whole number ≥ 1\n');
  process.exit(1);
}
if (!Number.isInteger(seed)) {
  process.stderr.write('--seed must be a whole number\n');
  process.exit(1);
}
if (values.out === undefined && values['baseline-out'] === undefined) {
  // Run without flags (as `npm run bench` runs every file here), it only says how to use it.
  process.stdout.write(
    'usage: node --import tsx bench/generate-snapshot.ts --associations N [--seed S] [--kind K] [--syntax S] --out SNAPSHOT.json --baseline-out BASELINE.yaml\n',
  );
  process.exit(0);
}
const shape = shapeForAssociations(associations, seed, kind);
if (values.out !== undefined) {
  const figures = await writeSnapshotFile(shape, values.out);
  process.stdout.write(
    `${values.out}: ${shape.accounts} accounts, ${figures.associations} associations, ${figures.roles} roles, ${figures.oidcProviders} OIDC providers, ${figures.events} events, ${(figures.bytes / 2 ** 20).toFixed(1)} MiB\n`,
  );
}
if (values['baseline-out'] !== undefined) {
  const { bytes, bindings } = await writeBaselineFile(shape, values['baseline-out'], syntax);
  process.stdout.write(
    `${values['baseline-out']}: ${bindings} bindings, ${(bytes / 2 ** 20).toFixed(1)} MiB\n`,
  );
}
