/**
 * A value built on its first use and kept. Schemas are built this way, so that loading a function
 * pays only for the schemas its path parses with (cold start: bench/bundles.ts).
 */
export function lazy<T>(build: () => T): () => T {
  let value: { built: T } | undefined;
  return () => (value ??= { built: build() }).built;
}
