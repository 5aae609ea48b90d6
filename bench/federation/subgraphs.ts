import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, execute, parse, validate } from 'graphql';

// The well-known accounts / products / reviews / inventory demo graph. The data never
// changes, so each subgraph remembers its answer to every request body it has seen: the
// gateway in front, not the fixture behind it, is what gets measured.
const link = (...imports: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports.map((i) => `"${i}"`).join(', ')}])`;

export const sdl = {
  accounts: `${link('@key', '@shareable')}
type Query { me: User  user(id: ID!): User  users: [User] }
type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`,
  products: `${link('@key')}
type Query { topProducts(first: Int = 5): [Product] }
type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`,
  inventory: `${link('@key', '@external', '@requires')}
type Product @key(fields: "upc") { upc: String!  weight: Int @external  price: Int @external  inStock: Boolean  shippingEstimate: Int @requires(fields: "price weight") }`,
  reviews: `${link('@key', '@external', '@provides', '@shareable')}
type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
};

const users = [
  { id: '1', name: 'Ada Lovelace', birthday: 1815, username: '@ada' },
  { id: '2', name: 'Alan Turing', birthday: 1912, username: '@complete' },
];
const products = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Chair', price: 54, weight: 50 },
];
const reviews = [
  { id: '1', authorID: '1', product: { upc: '1' }, body: 'Love it!' },
  { id: '2', authorID: '1', product: { upc: '2' }, body: 'Too expensive.' },
  { id: '3', authorID: '2', product: { upc: '3' }, body: 'Could be better.' },
  { id: '4', authorID: '2', product: { upc: '1' }, body: 'Prefer something else.' },
];
const inventory = [
  { upc: '1', inStock: true },
  { upc: '2', inStock: false },
  { upc: '3', inStock: true },
];

type Ref = Record<string, any>;
const resolvers: Record<keyof typeof sdl, any> = {
  accounts: {
    Query: {
      me: () => users[0],
      user: (_: unknown, { id }: Ref) => users.find((u) => u.id === id),
      users: () => users,
    },
    User: { __resolveReference: (ref: Ref) => users.find((u) => u.id === ref.id) },
  },
  products: {
    Query: { topProducts: (_: unknown, { first }: Ref) => products.slice(0, first) },
    Product: { __resolveReference: (ref: Ref) => products.find((p) => p.upc === ref.upc) },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: Ref) => ({ ...ref, ...inventory.find((i) => i.upc === ref.upc) }),
      // Free for expensive items, otherwise by weight.
      shippingEstimate: (ref: Ref) => (ref.price > 1000 ? 0 : Math.round(ref.weight * 0.5)),
    },
  },
  reviews: {
    Review: {
      __resolveReference: (ref: Ref) => reviews.find((r) => r.id === ref.id),
      author: (review: Ref) => ({ __typename: 'User', id: review.authorID }),
    },
    User: {
      __resolveReference: (ref: Ref) => ({ ...ref, username: users.find((u) => u.id === ref.id)?.username }),
      reviews: (user: Ref) => reviews.filter((r) => r.authorID === user.id),
      username: (user: Ref) => users.find((u) => u.id === user.id)?.username,
    },
    Product: { reviews: (product: Ref) => reviews.filter((r) => r.product.upc === product.upc) },
  },
};

export interface SubgraphServer {
  name: string;
  url: string;
  close(): Promise<void>;
}

/** Starts all four on port 0; `GET /count` on each answers (and resets) its request count. */
export async function startDemoSubgraphs(): Promise<SubgraphServer[]> {
  return Promise.all(
    (Object.keys(sdl) as (keyof typeof sdl)[]).map(async (name) => {
      const schema = buildSubgraphSchema([{ typeDefs: parse(sdl[name]), resolvers: resolvers[name] }]);
      const documents = new Map<string, DocumentNode>();
      const answers = new Map<string, string>();
      let count = 0;
      const server = createServer(async (request, response) => {
        if (request.method === 'GET' && request.url === '/count') {
          response.end(String(count));
          count = 0;
          return;
        }
        count += 1;
        let text = '';
        for await (const chunk of request) text += chunk;
        const known = answers.get(text);
        if (known) {
          response.writeHead(200, { 'content-type': 'application/json' }).end(known);
          return;
        }
        const body = JSON.parse(text);
        let document = documents.get(body.query);
        if (!document) {
          document = parse(body.query);
          const errors = validate(schema, document);
          if (errors.length) {
            response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors }));
            return;
          }
          documents.set(body.query, document);
        }
        const result = await execute({
          schema,
          document,
          variableValues: body.variables,
          operationName: body.operationName,
        });
        const answer = JSON.stringify(result);
        if (!result.errors) answers.set(text, answer);
        response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      });
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return {
        name,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    }),
  );
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const servers = await startDemoSubgraphs();
  process.stdout.write(`${JSON.stringify(servers.map(({ name, url }) => ({ name, url })))}\n`);
}
