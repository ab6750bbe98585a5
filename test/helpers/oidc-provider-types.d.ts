/**
 * The little of oidc-provider 8.x's API the sign-in tests use (the package ships no types; its
 * configuration is documented at github.com/panva/node-oidc-provider/blob/v8.x/docs/README.md).
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  interface IdTokenClass {
    prototype: { issue(this: unknown, opts: { use?: string }): Promise<string> };
  }
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly IdToken: IdTokenClass;
  }
}
