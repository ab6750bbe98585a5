import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelay } from '../../../src/email/email-outbox.js';
import { classify } from '../../../src/email/smtp-transport.js';

describe('what an SMTP failure means for the message', () => {
  it('only a 5xx refusal of the recipient or the message is permanent (RFC 5321 §4.2.1); 503 and 4xx are not', () => {
    expect(classify({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user', permanent: true })).toEqual({ permanent: true, reply: '550 5.1.1 no such user' });
    expect(classify({ code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 rejected' }).permanent).toBe(true);
    expect(classify({ code: 'EENVELOPE', responseCode: 503, response: '503 bad sequence' }).permanent).toBe(false);
    expect(classify({ code: 'EENVELOPE', responseCode: 451, response: '451 4.7.1 greylisted', permanent: false }).permanent).toBe(false);
  });

  it('a connection, TLS or AUTH failure is the installation\'s problem: retried, with the error as the reply', () => {
    expect(classify({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toEqual({ permanent: false, reply: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:25' });
    expect(classify({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 authentication failed' })).toEqual({ permanent: false, reply: '535 5.7.8 authentication failed' });
    expect(classify({ code: 'ETLS', message: 'STARTTLS failed' }).permanent).toBe(false);
  });

  it('backs off exponentially from a minute to an hour, with ±20% jitter', () => {
    expect([1, 2, 3, 7, 8, 10].map((a) => retryDelay(a, DEFAULT_RETRY, () => 0.5))).toEqual([60_000, 120_000, 240_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(retryDelay(1, DEFAULT_RETRY, () => 0)).toBe(48_000);
    expect(retryDelay(1, DEFAULT_RETRY, () => 1)).toBe(72_000);
  });
});
