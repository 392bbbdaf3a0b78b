import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The project's README. */
export const README = join(import.meta.dirname, '../../README.md');

/** The text of one `## ` section of the README, up to the next one. */
export async function readmeSection(heading: string): Promise<string> {
  const readme = await readFile(README, 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}
