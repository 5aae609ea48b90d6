import type { FastifyRequest } from 'fastify';

/**
 * preValidation hook for POSTs whose body is optional: a request without one is validated as
 * `{}`, while a body that is present is still checked strictly (unknown fields are a 400).
 */
export async function optionalBody(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) request.body = {};
}
