/**
 * OAuth 2.0 access tokens for the Wallet API, from a service account key: google-auth-library's
 * JWT client signs the JWT-bearer assertion (RFC 7523; Google's flow:
 * developers.google.com/identity/protocols/oauth2/service-account#httprest) with the scope
 * `wallet_object.issuer` and caches the token until shortly before it expires.
 *
 * google-auth-library 10 posts the assertion to a constant https://oauth2.googleapis.com/token
 * (gtoken/getToken.js), whatever the key file's token_uri says. A request interceptor on the
 * client's own transporter sends it to the token_uri instead; the assertion's `aud` stays
 * Google's token URL, which is what Google's endpoint requires.
 */
import { JWT } from 'google-auth-library';
import { GOOGLE_TOKEN_URL, type ServiceAccountKey } from './service-account-key.js';

export const WALLET_SCOPE = 'https://www.googleapis.com/auth/wallet_object.issuer';

export class GoogleAccessTokens {
  /** One JWT client per key and token URL; each caches its token. */
  private readonly clients = new Map<string, JWT>();

  private client(key: ServiceAccountKey, tokenUrl: string): JWT {
    const id = `${key.clientEmail}\u0000${key.privateKeyId}\u0000${tokenUrl}`;
    let c = this.clients.get(id);
    if (!c) {
      c = new JWT({ email: key.clientEmail, key: key.privateKey, keyId: key.privateKeyId, scopes: [WALLET_SCOPE] });
      if (tokenUrl !== GOOGLE_TOKEN_URL) {
        c.transporter.interceptors.request.add({
          resolved: async (o) => {
            if (o.url.href === GOOGLE_TOKEN_URL) o.url = new URL(tokenUrl);
            return o;
          },
        });
      }
      this.clients.set(id, c);
    }
    return c;
  }

  /** A live access token (cached until it is about to expire). */
  async token(key: ServiceAccountKey, tokenUrl: string): Promise<string> {
    const { token } = await this.client(key, tokenUrl).getAccessToken();
    if (!token) throw new Error('Google\'s token endpoint answered without an access token');
    return token;
  }

  /** Forgets a token the Wallet API refused (401): the next call fetches a new one. */
  invalidate(key: ServiceAccountKey, tokenUrl: string): void {
    this.clients.delete(`${key.clientEmail}\u0000${key.privateKeyId}\u0000${tokenUrl}`);
  }
}
