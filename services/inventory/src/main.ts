import { runStoreService } from '@fig/domain/store-service-main';
import { buildApp } from './app.ts';

await runStoreService('inventory', 5003, 5103, buildApp);
