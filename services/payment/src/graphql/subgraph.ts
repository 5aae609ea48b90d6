import { readFileSync } from 'node:fs';
import DataLoader from 'dataloader';
import type { FastifyPluginAsync } from 'fastify';
import { parse } from 'graphql';
import type { Payment, Payments } from '@fig/common/domain/payments';
import { mountSubgraph } from '@fig/common/subgraph-server';

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

/** The `payment` subgraph: payment(id) and the Payment entity. */
export const paymentSubgraph: FastifyPluginAsync<{ payments: Payments }> = async (app, { payments }) => {
  const find = (id: string) => {
    try {
      return payments.get(id);
    } catch (error) {
      if ((error as { code?: string }).code === 'PAYMENT_NOT_FOUND') return null;
      throw error;
    }
  };
  await mountSubgraph<Context>(app, {
    typeDefs,
    context: () => ({ payments: new DataLoader(async (ids) => ids.map(find)) }),
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
