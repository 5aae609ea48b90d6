/** The deployables `npm start` runs, with their DESIGN.md ports; the readiness URL each exposes. */
export interface Deployable {
  name: string;
  dir: string;
  port: number;
  /** Where /health/ready answers (the gateway serves it on its admin port). */
  readyPort: number;
  color: string;
}

export const stack: Deployable[] = [
  { name: 'monolith', dir: 'monolith-stub', port: 3000, readyPort: 3000, color: 'yellow' },
  { name: 'inventory', dir: 'services/inventory', port: 5003, readyPort: 5003, color: 'green' },
  { name: 'payment', dir: 'services/payment', port: 5002, readyPort: 5002, color: 'magenta' },
  { name: 'checkout', dir: 'services/checkout', port: 5001, readyPort: 5001, color: 'cyan' },
  { name: 'bff-web', dir: 'bff-web', port: 4001, readyPort: 4001, color: 'blue' },
  { name: 'bff-mobile', dir: 'bff-mobile', port: 4002, readyPort: 4002, color: 'blueBright' },
  { name: 'gateway', dir: 'gateway', port: 8080, readyPort: 9901, color: 'white' },
];
