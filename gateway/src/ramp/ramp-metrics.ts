import { Counter, Gauge, type Registry } from 'prom-client';

/** fig_ramp_percent{route} (the share served now) and fig_ramp_transitions_total{route,reason}. */
export function createRampMetrics(registry: Registry) {
  const registers = [registry];
  return {
    percent: new Gauge({
      name: 'fig_ramp_percent',
      help: "The share a ramped route sends to its service now: max(percent, the ramp's step)",
      labelNames: ['route'],
      registers,
    }),
    transitions: new Counter({
      name: 'fig_ramp_transitions_total',
      help: 'Ramp transitions this replica made, by route and reason (the fleet sums to each one once)',
      labelNames: ['route', 'reason'],
      registers,
    }),
  };
}

export type RampMetrics = ReturnType<typeof createRampMetrics>;
