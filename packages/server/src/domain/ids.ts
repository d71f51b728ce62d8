// Identifiers. Generated ids are lower-case ULIDs: sortable by creation time, and never contain
// "_" (the Vi protocol joins organization and dataset ids with "_").
import { randomFillSync, randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// ulid draws one random byte per character (16 per id); take them from a pooled buffer of
// cryptographic randomness instead of one getRandomValues call each.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
const randomFraction = (): number => {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 256;
};

const ulid = monotonicFactory(randomFraction);

export const newId = (): string => ulid().toLowerCase();

/** Organization ids are UUIDs, as on the hosted Vi platform. */
export const newOrganizationId = (): string => randomUUID();

export const newUserId = (): string => `u${newId()}`;

/** Ids clients may send: the Python SDK's own rule. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
