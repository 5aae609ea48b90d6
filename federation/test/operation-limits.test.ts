import fc from 'fast-check';
import {
  buildSchema,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  parse,
  type SelectionSetNode,
  specifiedRules,
  validate,
  visit,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  defaultOperationLimits,
  judgeOperationLimits,
  type LimitRefusalKind,
  type OperationLimits,
  operationLimitRules,
} from '../src/operation-limits.ts';

const limits = defaultOperationLimits;
const judge = (text: string, given: OperationLimits = limits) =>
  judgeOperationLimits(parse(text, { maxTokens: given.maxTokens }), given);

/** Selections written in the document: the most a linear judge may visit. */
function writtenSelections(document: DocumentNode) {
  let count = 0;
  const counted = () => {
    count += 1;
  };
  visit(document, { Field: counted, InlineFragment: counted, FragmentSpread: counted });
  return count;
}

/**
 * The reference: every spread replaced by its fragment's body, all the way down (cycles cut
 * and reported), then counted on the expanded tree. Exponential; small documents only.
 */
function referenceCrossings(document: DocumentNode, given: OperationLimits): Set<LimitRefusalKind> {
  const crossed = new Set<LimitRefusalKind>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    if (fragments.has(definition.name.value)) crossed.add('duplicateFragment');
    fragments.set(definition.name.value, definition);
  }
  if (crossed.size) return crossed;
  type Leaf = { alias: boolean; children: Leaf[] };
  const expand = (set: SelectionSetNode, path: string[]): Leaf[] =>
    set.selections.flatMap((selection): Leaf[] => {
      if (selection.kind === Kind.FIELD)
        return [
          {
            alias: Boolean(selection.alias),
            children: selection.selectionSet ? expand(selection.selectionSet, path) : [],
          },
        ];
      if (selection.kind === Kind.INLINE_FRAGMENT) return expand(selection.selectionSet, path);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment) return [];
      if (path.includes(name)) {
        crossed.add('fragmentCycle');
        return [];
      }
      return expand(fragment.selectionSet, [...path, name]);
    });
  const depth = (leaves: Leaf[]): number => Math.max(0, ...leaves.map((leaf) => 1 + depth(leaf.children)));
  const count = (leaves: Leaf[], of: (leaf: Leaf) => boolean): number =>
    leaves.reduce((sum, leaf) => sum + (of(leaf) ? 1 : 0) + count(leaf.children, of), 0);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const tree = expand(definition.selectionSet, []);
    if (depth(tree) > given.maxDepth) crossed.add('maxDepth');
    if (count(tree, () => true) > given.maxFields) crossed.add('maxFields');
    if (count(tree, (leaf) => leaf.alias) > given.maxAliases) crossed.add('maxAliases');
    if (tree.length > given.maxRootFields) crossed.add('maxRootFields');
  }
  return crossed;
}

// Documents the token limit lets through, at sizes up to the largest that fits.
const bombs: Record<string, (n: number) => string> = {
  'a fragment bomb on Query (each fragment spreads the next twice)': (n) =>
    `{ ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${n} on Query { me }`,
  'a fragment bomb that nests a field at each level': (n) =>
    `{ products { ...F0 } } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Product { related { ...F${i + 1} } id: related { ...F${i + 1} } }`).join(' ')} fragment F${n} on Product { id }`,
  // Costs nothing at each level, so only memoisation keeps it linear: no limit stops it early.
  'a fragment bomb ending in an unknown fragment': (n) =>
    `{ ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ... on Query { ...F${i + 1} } }`).join(' ')} fragment F${n} on Query { ...Unknown }`,
  'a fragment cycle behind a bomb': (n) =>
    `{ ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${n} on Query { ...F0 }`,
};
const shapes: Record<string, (n: number) => string> = {
  'a wide fan-out': (n) => `{ ${'me '.repeat(n)}}`,
  'deep nesting': (n) => `{ ${'related { '.repeat(n)}id${' }'.repeat(n)} }`,
  'an alias flood': (n) => `{ products { ${Array.from({ length: n }, (_, i) => `a${i}: id`).join(' ')} } }`,
  'directives on every field': (n) => `{ ${'me @include(if: true) @skip(if: false) '.repeat(n)}}`,
  'inline fragments on Query, nested': (n) => `{ ${'... on Query { '.repeat(n)}me${' }'.repeat(n)} }`,
  'inline fragments on Query, side by side': (n) => `{ ${'... on Query { me } '.repeat(n)}}`,
  'one fragment spread everywhere': (n) =>
    `{ ${'...F '.repeat(n)}} fragment F on Query { a: me b: me products { related { id } } }`,
  'many operations sharing a bomb': (n) =>
    `${Array.from({ length: n }, (_, i) => `query Q${i} { ...F0 }`).join(' ')} fragment F0 on Query { ...F1 ...F1 } fragment F1 on Query { ...F2 ...F2 } fragment F2 on Query { me }`,
};
const adversarial = { ...bombs, ...shapes };

/**
 * Sizes for which the document still parses under the token limit: every one for bombs
 * (each depth is a different expansion), a few hundred spread up to the largest for the rest.
 */
function* sizesThatFit(build: (n: number) => string, every = true) {
  for (let n = 1; ; n += every ? 1 : 1 + Math.floor(n / 32)) {
    let document: DocumentNode;
    try {
      document = parse(build(n), { maxTokens: limits.maxTokens });
    } catch {
      return;
    }
    yield { n, document };
  }
}

describe('judgeOperationLimits', () => {
  it('judges a thirty-level fragment bomb in a few dozen visits, and refuses it', () => {
    const { refusal, visits } = judge(
      adversarial['a fragment bomb on Query (each fragment spreads the next twice)'](30),
    );
    expect(refusal?.kind).toBe('maxFields');
    expect(visits).toBeLessThanOrEqual(62);
  });

  it.each(Object.entries(adversarial))(
    'visits each written selection at most once: %s, up to the token limit',
    (name, build) => {
      let sizes = 0;
      for (const { document } of sizesThatFit(build, name in bombs)) {
        sizes += 1;
        const { visits } = judgeOperationLimits(document, limits);
        expect(visits).toBeGreaterThan(0);
        expect(visits).toBeLessThanOrEqual(writtenSelections(document));
      }
      // The families reach the token limit in hundreds of sizes; none stopped at the first.
      expect(sizes).toBeGreaterThan(40);
    },
  );

  it('refuses every fragment bomb that expands past the limits, whatever its depth', () => {
    const bomb = adversarial['a fragment bomb on Query (each fragment spreads the next twice)'];
    const nested = adversarial['a fragment bomb that nests a field at each level'];
    const cycle = adversarial['a fragment cycle behind a bomb'];
    // Fragments are costed from the innermost out: a fragment d levels above the last one
    // selects 2^d fields, so past 1000 the field limit is crossed before the root is reached.
    for (const { n, document } of sizesThatFit(bomb)) {
      const kind = judgeOperationLimits(document, limits).refusal?.kind;
      expect(kind).toBe(2 ** n > 1000 ? 'maxFields' : 2 ** n > 20 ? 'maxRootFields' : undefined);
    }
    // Here aliases double at each level (2^d - 1) and cross 30 before depth or fields do.
    for (const { n, document } of sizesThatFit(nested))
      expect(judgeOperationLimits(document, limits).refusal?.kind).toBe(n >= 5 ? 'maxAliases' : undefined);
    for (const { document } of sizesThatFit(cycle))
      expect(judgeOperationLimits(document, limits).refusal).toBeDefined();
  });

  it('stops at the first limit crossed', () => {
    const flood = Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ');
    const { refusal, visits } = judge(`{ products { ${flood} ${'id '.repeat(2000)}} ${'me '.repeat(2000)}}`);
    expect(refusal?.kind).toBe('maxAliases');
    expect(visits).toBe(32);
  });

  it('counts root fields after expanding inline and named fragments on the root type', () => {
    const inline = `{ ${Array.from({ length: 21 }, (_, i) => `... on Query { r${i}: me }`).join(' ')} }`;
    expect(judge(inline, { ...limits, maxAliases: 100 }).refusal).toEqual({
      kind: 'maxRootFields',
      message: 'the operation has more than the limit of 20 root fields (fragments expanded)',
    });
    const named = `query Roots { ...A ...A ...A } fragment A on Query { ${'me '.repeat(7)}}`;
    expect(judge(named).refusal?.message).toBe(
      'operation Roots has more than the limit of 20 root fields (fragments expanded)',
    );
    // Twenty root fields through the same fragments are fine; fields under a root field are not roots.
    expect(judge(`{ ...A ...A } fragment A on Query { ${'me '.repeat(10)}}`).refusal).toBeUndefined();
    expect(
      judge(`{ products { ...P } } fragment P on Product { ${'id '.repeat(30)}}`).refusal,
    ).toBeUndefined();
  });

  it('refuses cycles and duplicate fragments without looping, and ignores unknown fragments', () => {
    expect(judge('{ ...A } fragment A on Query { ...B } fragment B on Query { me ...A }').refusal).toEqual({
      kind: 'fragmentCycle',
      message: 'fragment A spreads itself, directly or through other fragments',
    });
    expect(judge('{ ...A } fragment A on Query { me } fragment A on Query { me }').refusal?.kind).toBe(
      'duplicateFragment',
    );
    expect(judge('{ me ...Nowhere }').refusal).toBeUndefined();
  });

  it('names the limit and the operation in its messages', () => {
    expect(judge(adversarial['deep nesting'](12)).refusal?.message).toBe(
      'the operation is deeper than the limit of 12 levels',
    );
    expect(judge(adversarial['an alias flood'](31)).refusal?.message).toBe(
      'the operation uses more than the limit of 30 aliases (fragments expanded)',
    );
    expect(
      judge('query Big { ...F ...F } fragment F on Query { products { ' + 'id '.repeat(500) + '} }').refusal
        ?.message,
    ).toBe('operation Big selects more than the limit of 1000 fields (fragments expanded)');
  });

  it('stays linear on random fragment graphs up to the token limit', () => {
    // Fragment i spreads later fragments (any number of times, through inline fragments and
    // fields too): random DAGs whose expansion is anything from tiny to astronomical.
    const body = (i: number, count: number) =>
      fc
        .array(
          fc.oneof(
            fc.integer({ min: i + 1, max: count }).map((j) => `...F${j}`),
            fc.integer({ min: i + 1, max: count }).map((j) => `... on Query { ...F${j} }`),
            fc.integer({ min: i + 1, max: count }).map((j) => `x${j}: related { ...F${j} }`),
            fc.constantFrom('me', 'a: me', 'me @include(if: true)'),
          ),
          { minLength: 1, maxLength: 5 },
        )
        .map((selections) => `fragment F${i} on Query { ${selections.join(' ')} }`);
    const documentArb = fc
      .integer({ min: 1, max: 150 })
      .chain((count) =>
        fc
          .tuple(...Array.from({ length: count }, (_, i) => body(i, count)))
          .map((fragments) => `{ ...F0 } ${fragments.join(' ')} fragment F${count} on Query { me }`),
      );
    let judged = 0;
    fc.assert(
      fc.property(documentArb, (text) => {
        let document: DocumentNode;
        try {
          document = parse(text, { maxTokens: limits.maxTokens });
        } catch {
          return; // over the token limit: refused by the parser before any limit runs
        }
        judged += 1;
        const { visits } = judgeOperationLimits(document, limits);
        expect(visits).toBeLessThanOrEqual(writtenSelections(document));
      }),
      { numRuns: 300 },
    );
    expect(judged).toBeGreaterThan(150);
  });

  it('agrees with a naive expansion on small random documents', () => {
    const limitsArb = fc.record({
      maxDepth: fc.integer({ min: 1, max: 6 }),
      maxAliases: fc.integer({ min: 0, max: 8 }),
      maxRootFields: fc.integer({ min: 1, max: 10 }),
      maxFields: fc.integer({ min: 1, max: 60 }),
      maxTokens: fc.constant(5000),
    });
    const fragmentCount = 5;
    // Spreads may name a fragment that does not exist (F5, F6), or any fragment at all: cycles too.
    const spread = fc.integer({ min: 0, max: fragmentCount + 1 }).map((i) => `...F${i}`);
    const directive = fc.constantFrom('', ' @include(if: true)', ' @skip(if: false)');
    const { selections } = fc.letrec<{ selections: string; selection: string }>((tie) => ({
      selections: fc.array(tie('selection'), { minLength: 1, maxLength: 4 }).map((list) => list.join(' ')),
      selection: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc
          .tuple(fc.constantFrom('', 'x: ', 'y: '), fc.constantFrom('me', 'id', 'name'), directive)
          .map(([alias, name, at]) => `${alias}${name}${at}`),
        fc
          .tuple(fc.constantFrom('', 'x: '), directive, tie('selections'))
          .map(([alias, at, inner]) => `${alias}related${at} { ${inner} }`),
        fc
          .tuple(fc.constantFrom('', 'on Query '), directive, tie('selections'))
          .map(([on, at, inner]) => `... ${on}${at}{ ${inner} }`),
        spread,
      ),
    }));
    const documentArb = fc
      .tuple(
        fc.array(selections, { minLength: 1, maxLength: 2 }),
        fc.array(selections, { minLength: fragmentCount, maxLength: fragmentCount }),
      )
      .map(
        ([operations, bodies]) =>
          operations.map((body, i) => `query Q${i} { ${body} }`).join('\n') +
          '\n' +
          bodies.map((body, i) => `fragment F${i} on Query { ${body} }`).join('\n'),
      );
    fc.assert(
      fc.property(documentArb, limitsArb, (text, given) => {
        const document = parse(text);
        const { refusal, visits } = judgeOperationLimits(document, given);
        const crossed = referenceCrossings(document, given);
        expect(visits).toBeLessThanOrEqual(writtenSelections(document));
        expect(refusal !== undefined).toBe(crossed.size > 0);
        if (refusal) expect(crossed).toContain(refusal.kind);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('operationLimitRules', () => {
  const schema = buildSchema('type Query { me: String }');
  const rules = [...specifiedRules, ...operationLimitRules(limits)];

  it('reports one coded error for a refused document, and nothing for a fine one', () => {
    const errors = validate(
      schema,
      parse(adversarial['a fragment bomb on Query (each fragment spreads the next twice)'](30)),
      rules,
    );
    expect(errors.map((error) => [error.message, error.extensions.code])).toEqual([
      [
        'the operation selects more than the limit of 1000 fields (fragments expanded)',
        'OPERATION_LIMIT_EXCEEDED',
      ],
    ]);
    expect(validate(schema, parse('{ me }'), rules)).toEqual([]);
  });
});
