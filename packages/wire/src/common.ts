// Shapes shared by every resource of the Vi protocol (spec §2.6, §4, §7).
import Type, { type Static, type TSchema } from 'typebox';

/** Milliseconds since the Unix epoch, always a JSON integer (the Python SDK rejects floats). */
export const Millis = Type.Integer({ minimum: 0, description: 'Milliseconds since the Unix epoch' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** `ResourceMetadata`: all four keys are required by the SDK. */
export const ResourceMetadata = Type.Object({
  timeCreated: Millis,
  lastUpdated: Millis,
  generation: Type.Integer(),
  attributes: Type.Record(Type.String(), Type.String()),
});

export const ConditionStatus = Type.Union([
  Type.Literal('Waiting'),
  Type.Literal('Reached'),
  Type.Literal('FailedReach'),
]);

/** `ResourceCondition` of exports, ingestion and deletion sessions. */
export const ResourceCondition = Type.Object({
  condition: Type.String(),
  status: ConditionStatus,
  lastTransitionTime: Millis,
  reason: Type.Optional(Nullable(Type.String())),
  message: Type.Optional(Nullable(Type.String())),
});

/** One page of a list. Lists that the SDK cannot page (datasets, organizations) always answer `nextPage: null`. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextPage: Nullable(Type.String()),
    prevPage: Nullable(Type.String()),
  });

/** The error envelope of the Vi protocol and of Vireo's own endpoints. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'Machine-readable error code, e.g. NotFound' }),
  message: Type.String({ description: 'What went wrong and what to fix' }),
});

/** `User` as embedded in organizations. */
export const User = Type.Object({
  workspaceRole: Type.String(),
  datasets: Type.Record(Type.String(), Type.String()),
});

export type ResourceMetadata = Static<typeof ResourceMetadata>;
export type ResourceCondition = Static<typeof ResourceCondition>;
export type ErrorBody = Static<typeof ErrorBody>;
export type User = Static<typeof User>;
export type ConditionStatus = Static<typeof ConditionStatus>;
