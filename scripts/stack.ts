/**
 * The deployables `npm start` runs, with their documented ports. Each has a public port (PORT)
 * and an internal one for Fig's own parts: health, metrics, subgraphs and `/internal/*` on
 * INTERNAL_PORT (its public port + 100), the gateway's on its admin port (ADMIN_PORT).
 */
export interface Deployable {
  name: string;
  dir: string;
  port: number;
  /** Where /health/ready and /metrics answer: INTERNAL_PORT, or the gateway's ADMIN_PORT. */
  internalPort: number;
  /** The variable that sets `internalPort`. */
  internalPortVariable: 'INTERNAL_PORT' | 'ADMIN_PORT';
  color: string;
}

const internal = 'INTERNAL_PORT' as const;

export const stack: Deployable[] = [
  {
    name: 'monolith',
    dir: 'monolith-stub',
    port: 3000,
    internalPort: 3100,
    internalPortVariable: internal,
    color: 'yellow',
  },
  {
    name: 'inventory',
    dir: 'services/inventory',
    port: 5003,
    internalPort: 5103,
    internalPortVariable: internal,
    color: 'green',
  },
  {
    name: 'payment',
    dir: 'services/payment',
    port: 5002,
    internalPort: 5102,
    internalPortVariable: internal,
    color: 'magenta',
  },
  {
    name: 'checkout',
    dir: 'services/checkout',
    port: 5001,
    internalPort: 5101,
    internalPortVariable: internal,
    color: 'cyan',
  },
  {
    name: 'bff-web',
    dir: 'bff-web',
    port: 4001,
    internalPort: 4101,
    internalPortVariable: internal,
    color: 'blue',
  },
  {
    name: 'bff-mobile',
    dir: 'bff-mobile',
    port: 4002,
    internalPort: 4102,
    internalPortVariable: internal,
    color: 'blueBright',
  },
  {
    name: 'gateway',
    dir: 'gateway',
    port: 8080,
    internalPort: 9901,
    internalPortVariable: 'ADMIN_PORT',
    color: 'white',
  },
];
