// Identifiers. Generated ids are lower-case ULIDs: sortable by creation time, and never contain
// "_" (the Vi protocol joins organization and dataset ids with "_").
import { randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

export const newId = (): string => ulid().toLowerCase();

/** Organization ids are UUIDs, as on the hosted Vi platform. */
export const newOrganizationId = (): string => randomUUID();

export const newUserId = (): string => `u${newId()}`;

/** Ids clients may send: the Python SDK's own rule. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
