import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
// The oxc parser, through rolldown (the bundler vite is built on): TypeScript 7 has no JS API.
import { parseSync } from 'rolldown/utils';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The project's own source (tests excluded: they import everything). */
const SOURCE_DIRS = ['shared', 'functions', 'cli', 'sandbox', 'infra', 'bench'];
/**
 * The CLI's command registry loads each command lazily, and each command names the registry's type:
 * the one circle the design keeps (its arrows back are dynamic imports, resolved at run time).
 */
const COMMAND_REGISTRY = join(root, 'cli', 'commands.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** File → the project files it imports (static, type-only and dynamic imports, and re-exports). */
function importGraph(): Map<string, string[]> {
  const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(root, dir)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const { module } = parseSync(file, source, { lang: 'ts' });
    const specifiers = [
      ...module.staticImports.map((entry) => entry.moduleRequest.value),
      ...module.staticExports.flatMap((entry) =>
        entry.entries.flatMap((item) => item.moduleRequest?.value ?? []),
      ),
      ...(file === COMMAND_REGISTRY ? [] : module.dynamicImports).map((entry) =>
        source.slice(entry.moduleRequest.start, entry.moduleRequest.end).replace(/^['"`]|['"`]$/g, ''),
      ),
    ];
    const targets = specifiers
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const path = resolve(dirname(file), name).replace(/\.js$/, '.ts');
        return existsSync(path) ? path : join(path.replace(/\.ts$/, ''), 'index.ts');
      })
      .filter((path) => known.has(path));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One circle of the graph as a path (`a → b → a`), or undefined when it has none. */
function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const circle = visit(next);
        if (circle) return circle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const circle = visit(node);
    if (circle) return circle;
  }
  return undefined;
}

/** The room of a file of shared/: its folder (`checks`, `usage`), or the file itself at the top. */
function roomOf(file: string): string {
  return relative(join(root, 'shared'), file).split(sep)[0].replace(/\.ts$/, '');
}

/**
 * The rooms of docs/architecture.md §2, from the foundation up: each row of its rooms table, as the
 * paths it lists (a folder ends in `/`). A file imports only from its own room or rooms listed before.
 */
function roomsOfTheDesign(): string[][] {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('### Rooms'), doc.indexOf('### Data flow'));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => [...line.split('|')[1].matchAll(/`([^`]+)`/g)].map((match) => match[1]));
}

/** The row of the design a project file (relative, `/`-separated) belongs to, or -1. */
function designRoomOf(rooms: string[][], file: string): number {
  let room = -1;
  let longest = -1;
  rooms.forEach((paths, index) => {
    for (const listed of paths) {
      const inside = listed.endsWith('/') ? file.startsWith(listed) : file === listed;
      if (inside && listed.length > longest) [room, longest] = [index, listed.length];
    }
  });
  // The pipeline's row names shared/audit.ts; the other files at the top of shared/ sit beside it.
  if (room === -1 && /^shared\/[^/]+\.ts$/.test(file)) {
    return rooms.findIndex((paths) => paths.includes('shared/audit.ts'));
  }
  return room;
}

/** The imports whose target sits in a room the design lists after the importing file's room. */
function upwardImports(graph: Map<string, string[]>, rooms: string[][]): string[] {
  const upwards: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (designRoomOf(rooms, target) > designRoomOf(rooms, file)) upwards.push(`${file} → ${target}`);
    }
  }
  return upwards;
}

describe('import graph', () => {
  const graph = importGraph();

  it('reads the project: hundreds of files and their imports', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect([...graph.values()].flat().length).toBeGreaterThan(graph.size);
  });

  it('has no circle between files', () => {
    const circle = findCircle(graph);
    expect(circle?.map((file) => relative(root, file)).join(' → ')).toBeUndefined();
  });

  it('has no circle between the rooms of shared/', () => {
    const shared = join(root, 'shared') + sep;
    const rooms = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      if (!file.startsWith(shared)) continue;
      const from = roomOf(file);
      const to = targets.filter((target) => target.startsWith(shared)).map(roomOf);
      rooms.set(from, [...new Set([...(rooms.get(from) ?? []), ...to.filter((room) => room !== from)])]);
    }
    expect(rooms.has('checks') && rooms.has('cutover') && rooms.has('usage')).toBe(true);
    expect(findCircle(rooms)?.join(' → ')).toBeUndefined();
  });

  describe('follows the rooms of docs/architecture.md', () => {
    const rooms = roomsOfTheDesign();
    const code = new Map(
      [...graph]
        .map(([file, targets]) => [relative(root, file).split(sep).join('/'), targets] as const)
        .filter(([file]) => !file.startsWith('bench/'))
        .map(([file, targets]) => [
          file,
          targets.map((target) => relative(root, target).split(sep).join('/')),
        ]),
    );

    it('places every file of the code in a room of the design', () => {
      expect(rooms.length).toBeGreaterThan(10);
      expect([...code.keys()].filter((file) => designRoomOf(rooms, file) === -1)).toEqual([]);
    });

    it('has no import running back up the rooms', () => {
      expect(upwardImports(code, rooms)).toEqual([]);
    });

    it('would notice one (near miss)', () => {
      const model = 'shared/model/finding.ts';
      const report = 'shared/report/types.ts';
      expect(upwardImports(new Map([[model, [report]]]), rooms)).toEqual([`${model} → ${report}`]);
    });
  });

  it('finds a circle where there is one', () => {
    const circle = findCircle(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    );
    expect(circle).toEqual(['a', 'b', 'c', 'a']);
  });
});
