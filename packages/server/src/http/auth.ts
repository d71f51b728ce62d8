// Authentication of the Vi protocol (vi-protocol.md §1.3, §9.2): `Authorization: Bearer <key>`,
// the `Organization-Id` header and the organization in the path must all agree.
import type { FastifyRequest } from 'fastify';
import type { DomainContext, Principal } from '../domain/context.js';
import { AppError } from '../domain/errors.js';
import { authenticate, recordUse } from '../domain/organizations.js';
import { hashSecretKey } from '../domain/secret-keys.js';

/** Seconds a looked-up key stays cached in a process: a revocation takes effect within this time. */
const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 10_000;
const RECORD_USE_EVERY_MS = 60_000;

/** Resolves secret keys to principals, with a short cache so most requests skip the database. */
export class KeyResolver {
  private readonly cache = new Map<string, { principal: Principal | undefined; until: number }>();
  private readonly lastRecorded = new Map<string, number>();

  constructor(private readonly ctx: DomainContext) {}

  async resolve(secretKey: string): Promise<Principal | undefined> {
    const now = Date.now();
    const hash = hashSecretKey(secretKey);
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const principal = await authenticate(this.ctx, secretKey);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_TTL_MS });
    if (principal && (this.lastRecorded.get(principal.keyId) ?? 0) + RECORD_USE_EVERY_MS < now) {
      this.lastRecorded.set(principal.keyId, now);
      void recordUse(this.ctx, principal).catch(() => undefined);
    }
    return principal;
  }

  /** Forget cached lookups (after a revocation in this process). */
  clear(): void {
    this.cache.clear();
  }
}

export function bearerKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new AppError('AuthenticationFailed', 'Missing secret key: send "Authorization: Bearer <secret key>"');
  return match[1]!;
}

/** The onRequest hook of /workspaces routes. */
export function viAuthHook(keys: KeyResolver) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await keys.resolve(bearerKey(request));
    if (!principal) throw new AppError('AuthenticationFailed', 'Unknown or revoked secret key');
    const headerOrg = request.headers['organization-id'];
    const pathOrg = (request.params as { org?: string }).org;
    if (typeof headerOrg !== 'string' || headerOrg === '') {
      throw new AppError('PermissionDenied', 'Missing Organization-Id header: send the id of the organization the key belongs to');
    }
    if (headerOrg !== principal.organizationId) {
      throw new AppError('PermissionDenied', `The secret key does not belong to organization ${headerOrg}`);
    }
    if (pathOrg !== undefined && pathOrg !== headerOrg) {
      throw new AppError('PermissionDenied', `The Organization-Id header (${headerOrg}) does not match the organization in the path (${pathOrg})`);
    }
    request.principal = principal;
  };
}
