import { describe, expect, it } from 'vitest';
import {
  integerVariable,
  otlpEndpointConfigured,
  otlpProtocol,
  samplerChoice,
} from '../src/tracing/otel-env.ts';
import { linkFromEventMetadata } from '../src/tracing/spans.ts';

describe('the OTEL_* variables', () => {
  it('turns tracing on only with an endpoint, the traces one or the general one', () => {
    expect(otlpEndpointConfigured({})).toBe(false);
    expect(otlpEndpointConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(otlpEndpointConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(otlpEndpointConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(
      true,
    );
  });

  it('exports protobuf unless asked for JSON, and refuses gRPC (not bundled) by name', () => {
    expect(otlpProtocol({})).toBe('http/protobuf');
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(
      otlpProtocol({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }),
    ).toBe('http/protobuf');
    expect(() => otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/grpc is not supported/);
  });

  it('reads the sampler as the specification says, a bad ratio meaning 1', () => {
    expect(samplerChoice({})).toEqual({ kind: 'parentbased_always_on' });
    expect(samplerChoice({ OTEL_TRACES_SAMPLER: 'always_off' })).toEqual({ kind: 'always_off' });
    expect(
      samplerChoice({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }),
    ).toEqual({
      kind: 'parentbased_traceidratio',
      ratio: 0.01,
    });
    for (const arg of [undefined, '', 'half', '-1', '2']) {
      expect(samplerChoice({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg })).toEqual({
        kind: 'traceidratio',
        ratio: 1,
      });
    }
    expect(() => samplerChoice({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(/not supported/);
  });

  it('takes batch settings as non-negative integers only', () => {
    expect(integerVariable('OTEL_BSP_SCHEDULE_DELAY', {})).toBeUndefined();
    expect(integerVariable('OTEL_BSP_SCHEDULE_DELAY', { OTEL_BSP_SCHEDULE_DELAY: '200' })).toBe(200);
    for (const bad of ['-5', '1.5', 'soon']) {
      expect(() => integerVariable('OTEL_BSP_SCHEDULE_DELAY', { OTEL_BSP_SCHEDULE_DELAY: bad })).toThrow(
        /OTEL_BSP_SCHEDULE_DELAY/,
      );
    }
  });
});

describe('a link from an event to the span that wrote it', () => {
  const trace_id = '4bf92f3577b34da6a3ce929d0e0e4736';
  const span_id = '00f067aa0ba902b7';

  it('is made from metadata.trace_id and span_id', () => {
    expect(linkFromEventMetadata({ trace_id, span_id })?.context).toMatchObject({
      traceId: trace_id,
      spanId: span_id,
      isRemote: true,
    });
  });

  it('is not made from metadata that is missing, malformed or forged', () => {
    for (const metadata of [
      undefined,
      null,
      'x',
      {},
      { trace_id },
      { trace_id: 42, span_id },
      { trace_id: trace_id.toUpperCase(), span_id },
      { trace_id: `${trace_id}00`, span_id },
      { trace_id, span_id: 'zzzzzzzzzzzzzzzz' },
      { trace_id: '0'.repeat(32), span_id },
      { trace_id, span_id: '0'.repeat(16) },
      { trace_id: `${trace_id.slice(0, 31)}\n`, span_id },
    ]) {
      expect(linkFromEventMetadata(metadata)).toBeUndefined();
    }
  });
});
