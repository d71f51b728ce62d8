// Organization (`Workspace` on the wire), spec §3.1.
import Type, { type Static } from 'typebox';
import { Millis, Nullable, User } from './common.js';

export const Organization = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  workspaceId: Type.String(),
  lastAccess: Millis,
  datasets: Type.Array(Type.String()),
  billing: Type.Object({
    payer: Type.String(),
    email: Type.String(),
    subscriberId: Type.String(),
    ledger: Type.Array(Type.Unknown()),
    tier: Type.String(),
  }),
  users: Type.Record(Type.String(), User),
  metadata: Type.Object({
    createDate: Type.Optional(Millis),
    isPublic: Type.Optional(Type.Boolean()),
    accountManager: Type.Optional(Nullable(Type.String())),
    salesEngineer: Type.Optional(Nullable(Type.String())),
  }),
  features: Type.Record(Type.String(), Type.Unknown()),
  lockStatus: Type.Object({
    isLocked: Type.Boolean(),
    lockDate: Type.Optional(Nullable(Millis)),
  }),
  selfLink: Type.String(),
  etag: Type.String(),
});

export type Organization = Static<typeof Organization>;
