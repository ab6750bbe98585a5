/**
 * The one error type that reaches the wire as a SCIM error response (RFC 7644 §3.12).
 * Every failure a SCIM client can cause is a ScimError; anything else is a bug and is
 * rendered as a logged 500 by the HTTP layer, never disguised as another status.
 */

/**
 * scimType values defined by RFC 7644 §3.12, Table 9 (the 413/429 cases carry none), and the
 * cursor paging ones RFC 9865 §2.2 adds (invalidCursor, expiredCursor, invalidCount).
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

/** Which HTTP statuses each scimType may accompany (RFC 7644 §3.12, Table 9). */
const ALLOWED: Readonly<Record<ScimType, readonly number[]>> = {
  invalidFilter: [400],
  tooMany: [400],
  uniqueness: [409],
  mutability: [400],
  invalidSyntax: [400],
  invalidPath: [400],
  noTarget: [400],
  invalidValue: [400],
  invalidVers: [400],
  sensitive: [403],
  invalidCursor: [400],
  expiredCursor: [400],
  invalidCount: [400],
};

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;

  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    if (scimType !== undefined && !ALLOWED[scimType].includes(status)) {
      throw new TypeError(`scimType ${scimType} is not allowed with status ${status} (RFC 7644 §3.12)`);
    }
    if (status < 400 || status > 599) throw new TypeError(`ScimError status ${status} is not an error status`);
    // No stack trace: a ScimError is an answer to the client, rendered and never logged with a
    // stack, and capturing one was about 12 µs of every refused request's CPU (a wrong token's
    // 401 among them: bench/RESULTS.md, "A refused request's fixed cost").
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(detail);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }

  /** The RFC 7644 §3.12 error body. `status` is a string, as the RFC's examples show. */
  toJSON(): Record<string, unknown> {
    return {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const invalidFilter = (detail: string): ScimError => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string): ScimError => new ScimError(400, 'invalidPath', detail);
export const invalidValue = (detail: string): ScimError => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string): ScimError => new ScimError(400, 'invalidSyntax', detail);
export const noTarget = (detail: string): ScimError => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string): ScimError => new ScimError(400, 'mutability', detail);
export const uniqueness = (detail: string): ScimError => new ScimError(409, 'uniqueness', detail);
export const notFound = (detail: string): ScimError => new ScimError(404, undefined, detail);
