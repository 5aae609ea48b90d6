import { readFileSync } from 'node:fs';
import DataLoader from 'dataloader';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parse } from 'graphql';
import { type Reader, readerOf } from '@fig/domain/identity';
import type { Payment } from '@fig/domain/payments';
import type { PaymentsRepository } from '@fig/domain/repositories';
import type { LegacyRecords } from '@fig/domain/legacy-record';
import { mountSubgraph } from '@fig/federation/subgraph-server';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

interface Context {
  payments: DataLoader<string, Payment | null>;
}

const toGraphql = (payment: Payment | null) =>
  payment && {
    id: payment.payment_id,
    status: payment.status,
    amountCents: payment.amount_cents,
    currency: payment.currency,
  };

/**
 * The `payment` subgraph: payment(id) and the Payment entity. A payment the monolith took
 * before the route moved is read from the monolith, as REST forwards it there, so it does not
 * vanish from the graph when `payments` moves here. Like REST, it shows a user only their own
 * payments (someone else's is null, as one that does not exist) and an anonymous caller none.
 */
export const paymentSubgraph: FastifyPluginAsync<{
  payments: PaymentsRepository;
  legacy?: LegacyRecords;
}> = async (app, { payments, legacy }) => {
  const find = async (id: string, reader: Reader) => {
    try {
      return await payments.get(id, reader.user);
    } catch (error) {
      if ((error as { code?: string }).code === 'PAYMENT_NOT_FOUND') return null;
      throw error;
    }
  };
  const findAnywhere = async (id: string, request: FastifyRequest) => {
    const reader = readerOf(request);
    if (!reader) return null;
    const own = await find(id, reader);
    if (own || !legacy) return own;
    // The monolith checks the caller's own token (forwarded) against its record.
    return (await legacy.get(`/api/payments/${encodeURIComponent(id)}`, request)) as Payment | null;
  };
  await mountSubgraph<Context>(app, {
    typeDefs,
    context: (request) => ({
      payments: new DataLoader(async (ids) => Promise.all(ids.map((id) => findAnywhere(id, request)))),
    }),
    resolvers: {
      Query: {
        payment: async (_: unknown, args: { id: string }, context: Context) =>
          toGraphql(await context.payments.load(args.id)),
      },
      Payment: {
        __resolveReference: async (reference: { id: string }, context: Context) =>
          toGraphql(await context.payments.load(reference.id)),
      },
    },
  });
};
