import { createServer } from '@fig/common';

export function buildApp(options: { logLevel?: string } = {}) {
  return createServer({ service: 'payment', logLevel: options.logLevel });
}
