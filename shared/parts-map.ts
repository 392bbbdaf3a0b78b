/**
 * Values by a tuple of strings, one map per part: a lookup made once per association or claim
 * finds its value without building and hashing a joined key text each time. A missing part is the
 * empty string.
 */
export class PartsMap<V> {
  private readonly root = new Map<string, unknown>();

  get(parts: ReadonlyArray<string | undefined>): V | undefined {
    let node: unknown = this.root;
    for (const part of parts) {
      node = (node as Map<string, unknown>).get(part ?? '');
      if (node === undefined) return undefined;
    }
    return node as V;
  }

  set(parts: ReadonlyArray<string | undefined>, value: V): void {
    const last = parts.length - 1;
    let node = this.root;
    for (let index = 0; index < last; index++) {
      node = mapLevel(node as Map<string, Map<string, unknown>>, parts[index] ?? '');
    }
    node.set(parts[last] ?? '', value);
  }

  /** The value under `parts`, made by `make` and kept the first time it is asked for (one walk). */
  getOrSet(parts: ReadonlyArray<string | undefined>, make: () => V): V {
    const last = parts.length - 1;
    let node = this.root;
    for (let index = 0; index < last; index++) {
      node = mapLevel(node as Map<string, Map<string, unknown>>, parts[index] ?? '');
    }
    const key = parts[last] ?? '';
    let value = node.get(key) as V | undefined;
    if (value === undefined) {
      value = make();
      node.set(key, value);
    }
    return value;
  }
}

/** A `Map` or `WeakMap` whose values are maps: the levels {@link mapLevel} walks. */
interface MapOfMaps<K, Inner> {
  get(key: K): Inner | undefined;
  set(key: K, value: Inner): unknown;
}

/**
 * The map under `key` in `map` (a `Map`, or a `WeakMap` keyed by an object), started when there is
 * none: one level of a lookup by several keys.
 */
export function mapLevel<K, InnerKey, V>(map: MapOfMaps<K, Map<InnerKey, V>>, key: K): Map<InnerKey, V> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}
