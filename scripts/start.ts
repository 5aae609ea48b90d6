// Runs the whole Fig stack natively: one process per deployable, prefixed and coloured logs,
// a line when everything answers /health/ready, Ctrl-C stops all, a crash is reported loudly.
import { setTimeout as sleep } from 'node:timers/promises';
import concurrently from 'concurrently';
import { stack } from './stack.ts';

const root = new URL('..', import.meta.url).pathname;

const { commands, result } = concurrently(
  stack.map((d) => ({
    name: d.name,
    command: `node ${d.dir}/src/main.ts`,
    prefixColor: d.color,
    env: {
      PORT: String(d.port),
      [d.internalPortVariable]: String(d.internalPort),
      // Each deployable keeps its SQLite file under .data/, so a restart keeps the data.
      DATA_DIR: `${root}.data/${d.name}`,
      APOLLO_TELEMETRY_DISABLED: '1',
    },
  })),
  { prefix: 'name', cwd: root, killOthersOn: [], padPrefix: true },
);

for (const command of commands) {
  command.close.subscribe((event) => {
    if (event.exitCode !== 0 && !stopping) {
      console.error(
        `\n✖ ${command.name} exited with ${event.exitCode}; the rest of the stack keeps running\n`,
      );
    }
  });
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopping = true;
  });
}

async function waitUntilReady() {
  const pending = new Set(stack);
  const deadline = Date.now() + 60_000;
  while (pending.size > 0 && Date.now() < deadline && !stopping) {
    for (const d of [...pending]) {
      const ok = await fetch(`http://127.0.0.1:${d.internalPort}/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) pending.delete(d);
    }
    if (pending.size > 0) await sleep(500);
  }
  if (stopping) return;
  if (pending.size > 0) {
    console.error(`\n✖ not ready after 60 s: ${[...pending].map((d) => d.name).join(', ')}\n`);
  } else {
    console.log('\n✔ Fig is ready: gateway http://127.0.0.1:8080 · admin http://127.0.0.1:9901/dashboard\n');
  }
}

void waitUntilReady();
result.then(
  () => process.exit(0),
  () => process.exit(stopping ? 0 : 1),
);
