import { randomUUID } from 'node:crypto';
import type { ParityIdentity, RouteName, Side } from './targets.ts';

/** What one request looked like from the client's side, with run-specific values abstracted. */
export interface Observation {
  step: string;
  status?: number;
  contentType?: string | null;
  replayed?: string | null;
  body?: unknown;
  value?: unknown;
}

/**
 * Who sends a request: the scenario's user, another user, nobody, or the checkout saga acting
 * for the user (a service token with `x-user-id`), which is who holds stock and moves money.
 */
export type Caller = 'owner' | 'stranger' | 'anonymous' | 'saga';

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is instead of JSON.stringify(body), e.g. malformed JSON. */
  rawBody?: string;
  headers?: Record<string, string>;
  as?: Caller;
  /** Fields whose values depend on the deployment's history (stock levels): only their type is compared. */
  volatile?: string[];
}

export interface Answer {
  status: number;
  body: any;
}

// Ids minted by the domain (cart_…, ord_…, pay_…, re_…, res_…) differ per run and per side.
const mintedId = /\b(cart|ord|pay|re|res)_[0-9a-f]{32}\b/g;
const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Runs a scenario against one side and records everything a client could tell apart:
 * status, media type, replay header and body, after replacing minted ids with
 * placeholders in order of first appearance (so "the same id twice" is still compared)
 * and timestamps with their kind.
 */
export class Recorder {
  readonly observations: Observation[] = [];
  readonly users: Record<'owner' | 'stranger', string>;
  private readonly side: Side;
  private readonly identity: ParityIdentity;
  private readonly placeholders = new Map<string, string>();

  constructor(side: Side, identity: ParityIdentity) {
    this.side = side;
    this.identity = identity;
    // Fresh users per run and side keep order histories apart on a shared monolith.
    const run = randomUUID().slice(0, 8);
    this.users = { owner: `usr_parity_${run}_owner`, stranger: `usr_parity_${run}_stranger` };
  }

  private placeholder(value: string, kind: string): string {
    let name = this.placeholders.get(value);
    if (!name) {
      name = `<${kind}#${this.placeholders.size + 1}>`;
      this.placeholders.set(value, name);
    }
    return name;
  }

  normalise(value: unknown, volatile: string[] = [], key?: string): unknown {
    if (key !== undefined && volatile.includes(key)) return `<${typeof value}>`;
    if (typeof value === 'string') {
      if (isoTimestamp.test(value) && !Number.isNaN(Date.parse(value))) return '<timestamp>';
      let text = value.replace(mintedId, (id, kind: string) => this.placeholder(id, kind));
      for (const [who, id] of Object.entries(this.users)) text = text.replaceAll(id, `<user:${who}>`);
      return text;
    }
    if (Array.isArray(value)) return value.map((item) => this.normalise(item, volatile));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([name, item]) => [name, this.normalise(item, volatile, name)]),
      );
    }
    return value;
  }

  async request(
    route: RouteName,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Answer> {
    const caller = options.as ?? 'owner';
    const headers: Record<string, string> = { ...options.headers };
    if (caller !== 'anonymous') Object.assign(headers, await this.credentials(caller));
    const payload =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    // The subgraph answers on the internal listener; REST on the public port.
    const base = path === '/graphql' ? this.side.internalUrl(route) : this.side.baseUrl(route);
    const response = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: compared as text.
    }
    this.observations.push({
      step: `${method} ${this.normalise(path)}${caller === 'owner' ? '' : ` as ${caller}`}`,
      status: response.status,
      contentType: response.headers.get('content-type'),
      replayed: response.headers.get('idempotent-replayed'),
      body: this.normalise(body, options.volatile),
    });
    return { status: response.status, body };
  }

  /** The same credentials for both sides: a user's own token, or the saga's acting for the owner. */
  private async credentials(caller: Exclude<Caller, 'anonymous'>): Promise<Record<string, string>> {
    const user = caller === 'saga' ? this.users.owner : this.users[caller];
    if (caller !== 'saga' && this.identity.userToken) {
      return { authorization: `Bearer ${await this.identity.userToken(user)}` };
    }
    return { authorization: `Bearer ${await this.identity.serviceToken()}`, 'x-user-id': user };
  }

  /** A derived fact (a stock delta, a count) the sides must agree on. */
  note(step: string, value: unknown) {
    this.observations.push({ step, value: this.normalise(value) });
  }
}
