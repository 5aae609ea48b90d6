/**
 * The query planner sends one representation per entity occurrence, so a list where fifty
 * products share ten SKUs asks the subgraph for fifty entities. Sending each distinct key
 * once and fanning the answers back out keeps `_entities` calls proportional to the data.
 */
export function dedupeRepresentations(representations: readonly unknown[]) {
  const unique: unknown[] = [];
  const slotOf = new Map<string, number>();
  const slots = representations.map((representation) => {
    const key = JSON.stringify(representation);
    let slot = slotOf.get(key);
    if (slot === undefined) {
      slot = unique.push(representation) - 1;
      slotOf.set(key, slot);
    }
    return slot;
  });
  return {
    unique,
    /** Maps the subgraph's answers for `unique` back to one answer per original representation. */
    expand: <T>(entities: readonly T[]): T[] => slots.map((slot) => entities[slot]),
    /** Error paths point into `unique`; each is repeated for every original it stood for. */
    expandErrors: <E extends { path?: readonly (string | number)[] }>(errors: readonly E[]): E[] =>
      errors.flatMap((error) => {
        const [root, index, ...rest] = error.path ?? [];
        if (root !== '_entities' || typeof index !== 'number') return [error];
        return slots.flatMap((slot, original) =>
          slot === index ? [{ ...error, path: ['_entities', original, ...rest] }] : [],
        );
      }),
  };
}
