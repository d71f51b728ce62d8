// Secret keys: "dtvi_" + 98 URL-safe random characters (103 in all: the Python SDK rejects any
// other length). Only a SHA-256 of the key is stored; the key carries 588 random bits, so a fast
// hash is enough and lookups stay a single indexed read.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_KEY_PREFIX = 'dtvi_';
export const SECRET_KEY_LENGTH = 103;
const RANDOM_LENGTH = SECRET_KEY_LENGTH - SECRET_KEY_PREFIX.length;
const SECRET_KEY_PATTERN = /^dtvi_[A-Za-z0-9_-]{98}$/;

export function generateSecretKey(): string {
  return SECRET_KEY_PREFIX + randomBytes(Math.ceil((RANDOM_LENGTH * 3) / 4)).toString('base64url').slice(0, RANDOM_LENGTH);
}

export const isWellFormedSecretKey = (key: string): boolean => SECRET_KEY_PATTERN.test(key);

export function hashSecretKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What we show of a key after creation: enough to recognise it, not to use it. */
export const displayPrefix = (key: string): string => key.slice(0, SECRET_KEY_PREFIX.length + 6);
