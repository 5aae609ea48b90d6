import { createServer } from '@fig/common';

export function buildApp(options: { logLevel?: string } = {}) {
  return createServer({ service: 'bff-web', logLevel: options.logLevel });
}
