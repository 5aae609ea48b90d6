// A consumer process that takes entries and never finishes applying them: killed with SIGKILL,
// it leaves them pending in its group, as a crashed replica would.
import { startStreamConsumer } from '@fig/platform/events';

const { REDIS_URL, STREAM, GROUP, CONSUMER } = process.env as Record<string, string>;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
startStreamConsumer({
  redisUrl: REDIS_URL,
  stream: STREAM,
  group: GROUP,
  consumer: CONSUMER,
  logger: quiet,
  apply: (event) => {
    process.stdout.write(`applying ${event.event_id}\n`);
    return new Promise(() => {});
  },
});
