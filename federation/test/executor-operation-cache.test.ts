import { buildSchema, operationFromDocument } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { cacheExecutorOperations } from '../src/executor-operation-cache.ts';

const schema = buildSchema(`type Query { product(id: ID!): Product }
type Product { id: ID! name: String }`);
const text = 'query P($id: ID!) { product(id: $id) { ...F } } fragment F on Product { id name }';
// The document as @apollo/gateway's executor hands it over: the operation, then its fragments.
const executorDocument = (document: ReturnType<typeof parse>) => ({
  ...document,
  definitions: [...document.definitions],
});

describe("the executor's operation cache", () => {
  cacheExecutorOperations();

  it('gives the executor one Operation per parsed operation, the same as built afresh', () => {
    const document = parse(text);
    const first = operationFromDocument(schema, executorDocument(document), { validate: false });
    const again = operationFromDocument(schema, executorDocument(document), { validate: false });
    expect(again).toBe(first);
    const fresh = operationFromDocument(schema, parse(text), { validate: false });
    expect(fresh).not.toBe(first);
    expect(first.toString()).toBe(fresh.toString());
  });

  it('leaves every other call alone', () => {
    const document = parse(text);
    const validated = operationFromDocument(schema, document);
    expect(operationFromDocument(schema, document)).not.toBe(validated);
    const named = operationFromDocument(schema, document, { operationName: 'P', validate: false });
    expect(operationFromDocument(schema, document, { operationName: 'P', validate: false })).not.toBe(named);
  });

  it('does not answer one schema with an Operation of another', () => {
    const other = buildSchema(`type Query { product(id: ID!): Product }
type Product { id: ID! name: String price: Int }`);
    const document = parse(text);
    const forSchema = operationFromDocument(schema, document, { validate: false });
    const forOther = operationFromDocument(other, document, { validate: false });
    expect(forOther).not.toBe(forSchema);
    expect(forOther.schema()).toBe(other);
  });
});
