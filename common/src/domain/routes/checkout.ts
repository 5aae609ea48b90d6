import type { FastifyPluginAsync } from 'fastify';
import { requireCaller } from '../identity.ts';
import type { Address } from '../orders.ts';
import { checkoutRequest, checkoutResponse } from '../schemas/checkout.ts';
import { errorResponses, identityHeaders } from '../schemas/shared.ts';

export interface CheckoutInput {
  user_id: string;
  cart_id: string;
  payment_method: string;
  shipping_address: Address;
}

export interface CheckoutResult {
  order_id: string;
  status: string;
  total_cents: number;
  currency: string;
}

/**
 * `POST /api/checkout`: the contract (validation, 201 / 402 / 409 / 422) is shared; how the
 * order comes about is not — one transaction in the monolith, a saga in the checkout service.
 */
export const checkoutRoutes: FastifyPluginAsync<{
  placeOrder: (input: CheckoutInput) => CheckoutResult | Promise<CheckoutResult>;
}> = async (app, { placeOrder }) => {
  app.post<{ Body: Omit<CheckoutInput, 'user_id'> }>(
    '/api/checkout',
    {
      schema: {
        headers: identityHeaders,
        body: checkoutRequest,
        response: { 201: checkoutResponse, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await placeOrder({ ...request.body, user_id: requireCaller(request) })),
  );
};
