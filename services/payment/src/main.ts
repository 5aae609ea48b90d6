import { runStoreService } from '@fig/domain/store-service-main';
import { buildApp } from './app.ts';

await runStoreService('payment', 5002, 5102, buildApp);
