import type { FastifyPluginAsync } from 'fastify';
import { isDryRun } from '../dry-run.ts';
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

type PlaceOrder = (input: CheckoutInput) => CheckoutResult | Promise<CheckoutResult>;

/**
 * `POST /api/checkout`: the contract (validation, 201 / 402 / 409 / 422) is shared; how the
 * order comes about is not — one transaction in the monolith, a saga in the checkout service.
 * With `x-fig-dry-run: 1` the request goes to `previewOrder` instead: the same checks and the
 * same answer, and no stock, money, order or cart touched (see dry-run.ts).
 */
export const checkoutRoutes: FastifyPluginAsync<{
  placeOrder: PlaceOrder;
  previewOrder: PlaceOrder;
}> = async (app, { placeOrder, previewOrder }) => {
  app.post<{ Body: Omit<CheckoutInput, 'user_id'> }>(
    '/api/checkout',
    {
      schema: {
        headers: identityHeaders,
        body: checkoutRequest,
        response: { 201: checkoutResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const place = isDryRun(request) ? previewOrder : placeOrder;
      return reply.code(201).send(await place({ ...request.body, user_id: requireCaller(request) }));
    },
  );
};
