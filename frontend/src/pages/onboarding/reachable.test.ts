import { describe, expect, it } from 'vitest';
import { reachableFromStripe } from './StripeStep';

describe('reachableFromStripe', () => {
  it('warns for addresses Stripe cannot reach', () => {
    for (const u of [
      'http://127.0.0.1:8080/api/webhooks/stripe/p',
      'http://localhost:8080/x',
      'https://localhost/x',
      'https://192.168.1.4/x',
      'https://10.0.0.2/x',
      'https://172.20.0.1/x',
      'https://[::1]:8080/x',
      'https://parityrail/x',
      'http://rail.example.com/x',
    ]) {
      expect(reachableFromStripe(u), u).toBe(false);
    }
  });
  it('accepts a public https host', () => {
    expect(reachableFromStripe('https://rail.example.com/api/webhooks/stripe/prj_1')).toBe(true);
    expect(reachableFromStripe('https://172.32.0.1/x')).toBe(true);
  });
});
