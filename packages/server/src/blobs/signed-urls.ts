// Signed URLs: the only credential of byte uploads and downloads (clients send no auth headers on
// them). HMAC-SHA256 over the method, the exact path as sent and the expiry; compared in constant
// time. A GET signature also admits HEAD.
import crypto from 'node:crypto';

export const EXPIRES_PARAM = 'expires';
export const SIGNATURE_PARAM = 'signature';

export type SignatureProblem = 'missing' | 'expired' | 'invalid';

export class UrlSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A derived key keeps URL signatures independent of any other use of the secret.
    this.key = crypto.createHmac('sha256', secret).update('vireo signed urls v1').digest();
  }

  /** The query string (without "?") that makes `method path` valid until `expiresAt` (ms). */
  sign(method: string, path: string, expiresAt: number): string {
    return `${EXPIRES_PARAM}=${expiresAt}&${SIGNATURE_PARAM}=${this.mac(canonicalMethod(method), path, expiresAt)}`;
  }

  /** Why `method path?query` is not admitted, or undefined when it is. */
  verify(method: string, path: string, query: URLSearchParams, now: number): SignatureProblem | undefined {
    const expiresRaw = query.get(EXPIRES_PARAM);
    const given = query.get(SIGNATURE_PARAM);
    if (expiresRaw === null || given === null) return 'missing';
    if (!/^\d{1,16}$/.test(expiresRaw)) return 'invalid';
    const expiresAt = Number(expiresRaw);
    const expected = Buffer.from(this.mac(canonicalMethod(method), path, expiresAt));
    const actual = Buffer.from(given);
    // Check the signature before the expiry: a forged URL is told it is invalid, not expired.
    if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) return 'invalid';
    if (expiresAt <= now) return 'expired';
    return undefined;
  }

  private mac(method: string, path: string, expiresAt: number): string {
    return crypto.createHmac('sha256', this.key).update(`${method}\n${path}\n${expiresAt}`).digest('base64url');
  }
}

const canonicalMethod = (method: string): string => {
  const m = method.toUpperCase();
  return m === 'HEAD' ? 'GET' : m;
};

/** A path segment safe in any URL; the SDK names downloads after the last segment as written. */
export const encodeSegment = (segment: string): string =>
  encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
