import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The one JSON error shape every Fig deployable answers with. */
export interface ErrorBody {
  error: { code: string; message: string; requestId?: string };
}

export function errorBody(code: string, message: string, requestId?: string): ErrorBody {
  return { error: requestId ? { code, message, requestId } : { code, message } };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(code, message));
}

// Fastify's own client-error codes mapped to stable, documented ones.
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/**
 * Turns every error into the JSON shape: validation and parse errors keep their 4xx status
 * with a readable message; anything else is a 500 whose message never leaks internals.
 * `includeRequestId` is for the edge, whose errors carry the id clients quote in support.
 */
export function installErrorHandlers(app: FastifyInstance, options: { includeRequestId?: boolean } = {}) {
  const id = (request: FastifyRequest) => (options.includeRequestId ? request.id : undefined);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    // The client left (its socket is gone): streams it was being sent abort, nothing failed.
    if (reply.raw.destroyed) {
      request.log.info({ code: error.code }, 'client went away');
      return reply;
    }
    // A dependency that is down (the database) is said so, with when to try again: not a bug.
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (status === 503 && typeof retryAfter === 'number') {
      request.log.warn({ err: error }, 'dependency unavailable');
      return reply
        .code(503)
        .header('retry-after', String(retryAfter))
        .send(errorBody(error.code, error.message, id(request)));
    }
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send(errorBody('INTERNAL', 'internal error', id(request)));
    }
    const code = error.validation
      ? 'VALIDATION_FAILED'
      : (fastifyCodes[error.code] ?? error.code ?? 'BAD_REQUEST');
    const message = error.validation
      ? `${error.validationContext ?? 'request'}${error.message.replace(/^(body|querystring|params|headers)/, '')}`
      : error.message;
    return reply.code(status).send(errorBody(code, message, id(request)));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`, id(request)),
      ),
  );
}
