import { envInteger } from '@fig/platform';
/** Env vars bounding what clients can make the edge hold: open tunnels, buffered bodies. */
export interface BoundsEnv {
  WEBSOCKET_MAX_PER_CLIENT: number;
  WEBSOCKET_MAX_PER_UPSTREAM: number;
  WEBSOCKET_IDLE_TIMEOUT_MS: number;
  REQUEST_BODY_BUFFER_BYTES: number;
}

export interface Bounds {
  /** Open WebSocket tunnels per client (verified subject, else address). */
  tunnelsPerClient: number;
  /** Open WebSocket tunnels per upstream, on this instance. */
  tunnelsPerUpstream: number;
  /** A tunnel with no bytes either way for this long is closed. */
  tunnelIdleMs: number;
  /** Request-body bytes held in memory across all requests in flight. */
  bodyBufferBytes: number;
}

export const boundsDefaults: Bounds = {
  tunnelsPerClient: 16,
  tunnelsPerUpstream: 2000,
  tunnelIdleMs: 300_000,
  bodyBufferBytes: 64 * 1024 * 1024,
};

export const boundsEnvProperties = {
  WEBSOCKET_MAX_PER_CLIENT: envInteger(1, 100_000, boundsDefaults.tunnelsPerClient),
  WEBSOCKET_MAX_PER_UPSTREAM: envInteger(1, 1_000_000, boundsDefaults.tunnelsPerUpstream),
  WEBSOCKET_IDLE_TIMEOUT_MS: envInteger(100, 86_400_000, boundsDefaults.tunnelIdleMs),
  REQUEST_BODY_BUFFER_BYTES: envInteger(0, 4 * 1024 * 1024 * 1024, boundsDefaults.bodyBufferBytes),
} as const;

export function bounds(env: BoundsEnv): Bounds {
  return {
    tunnelsPerClient: env.WEBSOCKET_MAX_PER_CLIENT,
    tunnelsPerUpstream: env.WEBSOCKET_MAX_PER_UPSTREAM,
    tunnelIdleMs: env.WEBSOCKET_IDLE_TIMEOUT_MS,
    bodyBufferBytes: env.REQUEST_BODY_BUFFER_BYTES,
  };
}
