// Authentication of the TwelveLabs surface (/v1.3): `x-api-key: <a Vireo secret key>`; the key's
// organization owns everything created. Anything else is 401 api_key_invalid.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { KeyResolver } from './auth.js';

/** The onRequest hook of /v1.3 routes. */
export function twelvelabsAuthHook(keys: KeyResolver) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers['x-api-key'];
    const key = typeof header === 'string' ? header.trim() : '';
    if (key === '') {
      throw new AppError('AuthenticationFailed', 'Missing API key: send "x-api-key: <your Vireo secret key>"', { detail: 'api_key_invalid' });
    }
    const principal = await keys.resolve(key);
    if (!principal) throw new AppError('AuthenticationFailed', 'The API key is not valid (unknown or revoked)', { detail: 'api_key_invalid' });
    request.principal = principal;
  };
}
