export * from './config.ts';
export * from './errors.ts';
export * from './logging.ts';
export * from './observability.ts';
export * from './request-id.ts';
export * from './server.ts';
export * from './shutdown.ts';
export * from './validation.ts';
