import { ConfigError, serve } from '@fig/platform';
import { startTracing } from '@fig/platform/tracing';
import { RulesError } from '@fig/routing-rules';
import { buildApp, type Gateway } from './app.ts';
import { type GatewayConfig, loadGatewayConfig } from './config.ts';

// The proxy makes its own client span per upstream attempt (proxy/forward.ts).
await startTracing('gateway');
let config: GatewayConfig;
try {
  config = loadGatewayConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gateway: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
let gateway: Gateway;
try {
  gateway = buildApp(config);
} catch (error) {
  if (!(error instanceof RulesError)) throw error;
  process.stderr.write(`gateway: ${error.message}\n`);
  process.exit(78); // EX_CONFIG
}
const { app, admin } = gateway;
// Only the public server handles signals: it drains first, then the admin port closes
// (a second `serve` would race it to process.exit).
await admin.listen({ port: config.ADMIN_PORT, host: config.ADMIN_HOST });
await serve(app, { port: config.PORT, host: config.HOST, onClose: () => admin.close() });
