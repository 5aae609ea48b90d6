import { startEchoUpstream } from '@fig/testing/echo-upstream';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { expect, it } from 'vitest';

it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
  const monolith = await startEchoUpstream('monolith');
  const dir = mkdtempSync(join(tmpdir(), 'fig-drain-'));
  const rulesFile = join(dir, 'routes.yaml');
  writeFileSync(
    rulesFile,
    `version: 1\nupstreams:\n  monolith: { url: ${monolith.url} }\ndefaults: { auth: none }\nroutes: []\n`,
  );
  let answer: (() => void) | undefined;
  monolith.behave((_request, response) => {
    answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}');
    return true;
  });
  // The admin port announces itself first; it is the one that answers /health/ready.
  const gateway = await spawnDeployable('gateway', {
    env: { ADMIN_PORT: '0', ROUTING_RULES: rulesFile, AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' },
    readyAddressIndex: 0,
  });
  try {
    const publicUrl = gateway.addresses[1];
    const inFlight = request(`${publicUrl}/slow`);
    await expect.poll(() => monolith.received.length).toBe(1);
    gateway.child.kill('SIGTERM');
    // The gateway is draining; the upstream answers only now.
    await expect.poll(() => gateway.output()).toContain('draining');
    answer!();
    const response = await inFlight;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ slow: true });
    expect(await gateway.exited()).toBe(0);
  } finally {
    await gateway.kill();
    await monolith.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
