/** addressKey (src/http/rate-limit.ts): what a per-address limit counts a client under. */
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../src/http/rate-limit.js';

const hextet = fc.integer({ min: 0, max: 0xffff });
const groups = fc.array(hextet, { minLength: 8, maxLength: 8 });

/** An IPv6 address written in full, or with its longest run of zero groups (two or more) as "::" (RFC 5952 §4.2), in either case. */
function written(g: readonly number[], compress: boolean, upper: boolean): string {
  let text = g.map((x) => x.toString(16)).join(':');
  if (compress) {
    let best = { at: -1, len: 1 };
    for (let i = 0; i < 8; i++) {
      let n = 0;
      while (i + n < 8 && g[i + n] === 0) n++;
      if (n > best.len) best = { at: i, len: n };
    }
    if (best.at >= 0) text = `${g.slice(0, best.at).map((x) => x.toString(16)).join(':')}::${g.slice(best.at + best.len).map((x) => x.toString(16)).join(':')}`;
  }
  return upper ? text.toUpperCase() : text;
}

describe('addressKey', () => {
  it('keeps an IPv4 address as it is, and an IPv4-mapped IPv6 address as its IPv4 one', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('property: every address of one /64, however written, has one key, and addresses of two /64s have two', () => {
    fc.assert(fc.property(groups, fc.array(hextet, { minLength: 4, maxLength: 4 }), fc.boolean(), fc.boolean(), fc.boolean(), (g, host, c1, c2, up) => {
      const a = written(g, c1, up), b = written([...g.slice(0, 4), ...host], c2, !up);
      expect(isIPv6(a) && isIPv6(b)).toBe(true);
      expect(addressKey(a)).toBe(addressKey(b));
      expect(addressKey(a)).toMatch(/^([0-9a-f]{1,4}:){4}:\/64$/);
    }));
    fc.assert(fc.property(groups, groups, fc.boolean(), (g, h, c) => {
      fc.pre(g.slice(0, 4).join() !== h.slice(0, 4).join());
      expect(addressKey(written(g, c, false))).not.toBe(addressKey(written(h, !c, false)));
    }));
  });
});
