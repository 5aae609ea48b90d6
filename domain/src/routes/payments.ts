import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { runFor } from '../dry-run.ts';
import { callerOf, requireReader, scopeRequired } from '../identity.ts';
import { optionalBody } from './optional-body.ts';
import type { Outcome } from '../idempotency.ts';
import type { ChargeRequest, RefundRequest } from '../payments.ts';
import type { PaymentsRepository } from '../repositories.ts';
import { chargeRequest, payment, refund, refundRequest } from '../schemas/payments.ts';
import { errorResponses, idempotencyHeaders, idParams } from '../schemas/shared.ts';

function answer(reply: FastifyReply, outcome: Outcome) {
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(outcome.statusCode).send(outcome.body);
}

type IdempotencyHeaders = { 'idempotency-key'?: string };

/** `/api/payments`, identical on the monolith and the payment service; writes honour `x-fig-dry-run`. */
export const paymentRoutes: FastifyPluginAsync<{ payments: PaymentsRepository }> = async (
  app,
  { payments },
) => {
  const headers = idempotencyHeaders;

  app.post<{ Body: ChargeRequest; Headers: IdempotencyHeaders }>(
    '/api/payments',
    // Charging is the checkout saga's (or an operator's), never an end user's own doing.
    {
      onRequest: scopeRequired('payments:charge'),
      schema: { headers, body: chargeRequest, response: { 201: payment, ...errorResponses } },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const run = runFor(request, payments.rehearse);
      return answer(reply, await run(() => payments.chargeOnce(request.body, key, callerOf(request))));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/payments/:id',
    { schema: { params: idParams, response: { 200: payment, ...errorResponses } } },
    async (request) => payments.get(request.params.id, requireReader(request)),
  );

  app.post<{ Params: { id: string }; Body: RefundRequest; Headers: IdempotencyHeaders }>(
    '/api/payments/:id/refunds',
    {
      onRequest: scopeRequired('payments:refund'),
      preValidation: optionalBody,
      schema: {
        headers,
        params: idParams,
        body: refundRequest,
        response: { 201: refund, ...errorResponses },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const run = runFor(request, payments.rehearse);
      return answer(reply, await run(() => payments.refundOnce(request.params.id, request.body, key)));
    },
  );
};
