/** `list` cut into consecutive groups of at most `size` items, in order (AWS batch APIs take a bounded number). */
export function groupsOf<T>(list: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < list.length; i += size) groups.push(list.slice(i, i + size));
  return groups;
}
