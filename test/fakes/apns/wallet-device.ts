// An iPhone's Wallet as the PassKit web service sees it: it registers a pass for updates with the
// pass's authenticationToken, and when APNs delivers a push for its token it asks which passes
// changed since its last tag and fetches each with If-Modified-Since, as Apple's "Updating a Pass"
// describes. Tests read what it holds.
import { unzip } from '../../helpers/unzip.js';
import type { FakeApns } from './index.js';

export interface HeldPass {
  readonly json: Record<string, unknown>;
  readonly lastModified: string | null;
}

export class WalletDevice {
  readonly passes = new Map<string, HeldPass>();
  private tag: string | undefined;
  /** Serials fetched after pushes, in order (for "the device got the update"). */
  readonly updates: string[] = [];

  constructor(readonly webServiceURL: string, readonly libraryId: string, readonly pushToken: string, apns?: FakeApns) {
    apns?.onDelivery((p) => {
      if (p.token === this.pushToken) void this.sync(p.topic ?? '').catch(() => undefined);
    });
  }

  static passJson(pkpass: Buffer): Record<string, unknown> {
    return JSON.parse(unzip(pkpass).get('pass.json')!.toString('utf8')) as Record<string, unknown>;
  }

  /** Adds a downloaded .pkpass and registers it for updates: Wallet's first call. */
  async add(pkpass: Buffer, lastModified: string | null = null): Promise<number> {
    const json = WalletDevice.passJson(pkpass);
    this.passes.set(String(json.serialNumber), { json, lastModified });
    return this.register(String(json.passTypeIdentifier), String(json.serialNumber), String(json.authenticationToken));
  }

  async register(passType: string, serial: string, token: string, pushToken = this.pushToken): Promise<number> {
    const r = await fetch(`${this.webServiceURL}/v1/devices/${this.libraryId}/registrations/${passType}/${serial}`, {
      method: 'POST', headers: { authorization: `ApplePass ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ pushToken }),
    });
    return r.status;
  }

  async unregister(passType: string, serial: string, token: string): Promise<number> {
    const r = await fetch(`${this.webServiceURL}/v1/devices/${this.libraryId}/registrations/${passType}/${serial}`, { method: 'DELETE', headers: { authorization: `ApplePass ${token}` } });
    return r.status;
  }

  async updatable(passType: string, since?: string): Promise<{ status: number; body?: { serialNumbers: string[]; lastUpdated: string } }> {
    const q = since ? `?passesUpdatedSince=${encodeURIComponent(since)}` : '';
    const r = await fetch(`${this.webServiceURL}/v1/devices/${this.libraryId}/registrations/${passType}${q}`);
    return { status: r.status, ...(r.status === 200 ? { body: (await r.json()) as { serialNumbers: string[]; lastUpdated: string } } : {}) };
  }

  async latest(passType: string, serial: string, token: string, ifModifiedSince?: string | null): Promise<Response> {
    return fetch(`${this.webServiceURL}/v1/passes/${passType}/${serial}`, {
      headers: { authorization: `ApplePass ${token}`, ...(ifModifiedSince ? { 'if-modified-since': ifModifiedSince } : {}) },
    });
  }

  /** What Wallet does on a push: list the changed serials, fetch each. */
  async sync(passType: string): Promise<void> {
    const list = await this.updatable(passType, this.tag);
    if (list.status !== 200 || !list.body) return;
    this.tag = list.body.lastUpdated;
    for (const serial of list.body.serialNumbers) {
      const held = this.passes.get(serial);
      if (!held) continue;
      const r = await this.latest(passType, serial, String(held.json.authenticationToken), held.lastModified);
      if (r.status !== 200) continue;
      this.passes.set(serial, { json: WalletDevice.passJson(Buffer.from(await r.arrayBuffer())), lastModified: r.headers.get('last-modified') });
      this.updates.push(serial);
    }
  }
}
