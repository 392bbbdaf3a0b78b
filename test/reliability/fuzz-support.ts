/**
 * Helpers of the fuzz suites: paths into JSON values and copies with one value replaced, so a
 * property can put an arbitrary value at any path of a valid document.
 */

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = Array<string | number>;

/** Every path to a value inside a JSON value, the root (`[]`) included. */
export function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  const paths = [prefix];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      paths.push(...pathsOf(item, [...prefix, index]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

/** A copy of `root` with the value at `path` replaced, or removed when `replacement` is undefined. */
export function replaceAt(root: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}
