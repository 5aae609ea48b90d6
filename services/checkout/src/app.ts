import { createServer } from '@fig/common';

export function buildApp(options: { logLevel?: string } = {}) {
  return createServer({ service: 'checkout', logLevel: options.logLevel });
}
