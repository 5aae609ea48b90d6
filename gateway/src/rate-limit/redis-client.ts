// shadow/shadow-worker.ts still imports the client from here; it lives in ../fail-fast-redis.ts.
export { createFailFastRedis as createRateLimitRedis } from '../fail-fast-redis.ts';
