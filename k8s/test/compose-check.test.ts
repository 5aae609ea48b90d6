import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stack } from '../../scripts/stack.ts';
import { type ComposeFile, composeProblems, readCompose } from '../src/compose-check.ts';
import { composeLintProblems } from '../src/compose-lint.ts';
import { type DeployableEnv, stackEnv } from '../src/deployable-env.ts';
import { paths } from '../src/paths.ts';

let env: Map<string, DeployableEnv>;

beforeAll(async () => {
  const probed = await stackEnv(stack);
  expect([...probed.errors.values()]).toEqual([]);
  env = probed.env;
});

/** The committed compose file, changed by `edit`, then checked. */
function problemsAfter(edit: (compose: ComposeFile) => void): string[] {
  const compose = readCompose();
  edit(compose);
  return composeProblems(compose, { env });
}

describe('docker-compose.yml', () => {
  it('matches the code and docs/architecture.md', () => {
    expect(composeProblems(readCompose(), { env })).toEqual([]);
  });

  it('follows the Compose Specification and dclint', () => {
    expect(composeLintProblems(paths.compose)).toEqual([]);
  });

  it('fails on a misspelt key and on a port open to the network', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'fig-compose-'));
    try {
      const broken = join(scratch, 'docker-compose.yml');
      const text = readFileSync(paths.compose, 'utf8')
        .replace('    healthcheck:', '    healtcheck:')
        .replace("'127.0.0.1:3000:3000'", "'3000:3000'");
      writeFileSync(broken, text);
      expect(composeLintProblems(broken)).toEqual([
        expect.stringMatching(/^invalid-schema .*\/services\/redis.*must NOT have additional properties/),
      ]);
      writeFileSync(broken, text.replace('    healtcheck:', '    healthcheck:'));
      expect(composeLintProblems(broken)).toEqual([
        expect.stringMatching(/^no-unbound-port-interfaces .*"3000:3000"/),
      ]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('fails on an admin port published without a token', () => {
    const problems = problemsAfter((c) => {
      c.services.gateway.environment!.ADMIN_TOKEN = '';
    });
    expect(problems).toEqual(['service gateway: gateway would refuse its env: ADMIN_TOKEN is required']);
  });

  // Each edit breaks the committed file one way; the check names every problem it made.
  it.each<{ name: string; edit: (compose: ComposeFile) => void; problems: string[] }>([
    {
      name: 'a port that differs from docs/architecture.md',
      edit: (c) => {
        c.services.net.ports = c.services.net.ports!.map((p) =>
          p === '127.0.0.1:5003:5003' ? '127.0.0.1:5004:5003' : p,
        );
      },
      problems: ['service inventory: port 5003 is not published as 5003:5003'],
    },
    {
      name: 'an env var the deployable does not read',
      edit: (c) => {
        c.services.gateway.environment!.ROUTING_RULE = '/etc/fig/routing/routes.yaml';
      },
      problems: ['service gateway: sets ROUTING_RULE, which gateway does not read'],
    },
    {
      name: 'an env value the deployable would refuse to start with',
      edit: (c) => {
        c.services.payment.environment!.LOG_LEVEL = 'loud';
      },
      problems: [
        'service payment: services/payment would refuse its env: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      ],
    },
    {
      name: 'a mount whose source does not exist and on a rules file outside the mounts',
      edit: (c) => {
        c.services['bff-web'].volumes = ['./routing-rule:/etc/fig/routing:ro'];
        c.services.gateway.volumes = [];
      },
      problems: [
        'service bff-web: mounts ./routing-rule, which does not exist',
        'service gateway: ROUTING_RULES=/etc/fig/routing/routes.yaml is not inside any of its host mounts',
      ],
    },
    {
      name: 'a deployable that cannot reach its upstreams and subgraphs on 127.0.0.1',
      edit: (c) => {
        delete c.services.gateway.network_mode;
        delete c.services['bff-web'].network_mode;
      },
      problems: [
        'service gateway: upstream monolith at http://127.0.0.1:3000 is unreachable from it',
        'service bff-web: subgraph inventory at http://127.0.0.1:5103/graphql is unreachable from it',
      ],
    },
    {
      name: 'a database that is not on a volume',
      edit: (c) => {
        c.services.monolith.volumes = [];
      },
      problems: ['service monolith: DATA_DIR /data is not a volume, so data dies with the container'],
    },
    {
      name: 'a service moved off PostgreSQL without a volume for its SQLite file',
      edit: (c) => {
        delete (c.services.inventory.environment as Record<string, string>).DATABASE_URL;
      },
      problems: ['service inventory: DATA_DIR /data is not a volume, so data dies with the container'],
    },
    {
      name: 'a dependency that is missing or has no healthcheck',
      edit: (c) => {
        c.services.checkout.depends_on!.stock = { condition: 'service_healthy' };
        delete c.services.redis.healthcheck;
      },
      problems: [
        'service checkout: depends on stock, which is not a service',
        'service gateway: waits for redis to be healthy, but it has no healthcheck',
        'service redis: no healthcheck',
      ],
    },
    {
      name: 'a deployable left out, built from the wrong workspace or on an unpinned image',
      edit: (c) => {
        delete c.services['bff-mobile'];
        c.services.payment.build!.args!.WORKSPACE = 'services/payments';
        c.services.redis.image = 'redis';
      },
      problems: [
        'bff-mobile (bff-mobile) has no service',
        'service payment: builds with WORKSPACE=services/payments, expected services/payment',
        'service redis: image redis is not pinned to a tag',
      ],
    },
  ])('fails on $name', ({ edit, problems }) => {
    expect(problemsAfter(edit)).toEqual(expect.arrayContaining(problems));
  });
});
