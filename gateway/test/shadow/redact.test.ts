import { describe, expect, it } from 'vitest';
import { redacted, redactUrl, redactValue } from '../../src/shadow/comparison/redact.ts';

describe('redaction of example pairs', () => {
  it('hides credentials, card data and payment methods by field name', () => {
    expect(redactValue('body.payment_method', 'anything')).toBe(redacted);
    expect(redactValue('headers.authorization', 'Basic abc')).toBe(redacted);
    expect(redactValue('body.card.number', '4242')).toBe(redacted);
    expect(redactValue('body.access_token', 'x')).toBe(redacted);
  });

  it('hides values that look like tokens or card numbers whatever the field is called', () => {
    expect(redactValue('body.note', 'Bearer abc.def')).toBe(redacted);
    expect(redactValue('body.note', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.sig')).toBe(redacted);
    expect(redactValue('body.ref', 'pm_card_visa')).toBe(redacted);
    expect(redactValue('body.ref', '4242 4242 4242 4242')).toBe(redacted);
  });

  it('keeps ordinary values and redacts inside objects and arrays', () => {
    expect(redactValue('body.amount_cents', 1200)).toBe(1200);
    expect(redactValue('body.items[sku=A]', { sku: 'A', payment_method: 'pm_x', qty: 2 })).toEqual({
      sku: 'A',
      payment_method: redacted,
      qty: 2,
    });
    expect(redactValue('body.list', ['ok', 'Bearer x'])).toEqual(['ok', redacted]);
  });

  it('keeps the names of query parameters in example URLs, never their values', () => {
    expect(redactUrl('/api/orders?token=abc&page=2&email=a%40b.example&page=3')).toBe(
      '/api/orders?token=[redacted]&page=[redacted]&email=[redacted]',
    );
    expect(redactUrl('/api/orders')).toBe('/api/orders');
  });
});
