// Secret keys of an organization (a Vireo addition).
import Type, { type Static } from 'typebox';
import { Millis, Nullable } from './common.js';

export const ApiKey = Type.Object({
  keyId: Type.String(),
  workspaceId: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  createdAt: Millis,
  lastUsedAt: Nullable(Millis),
  revokedAt: Nullable(Millis),
});

/** Answered once, when the key is created: the secret itself is never stored. */
export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  secretKey: Type.String({ description: 'dtvi_ followed by 98 URL-safe characters' }),
});

export const CreateApiKeyRequest = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export type ApiKey = Static<typeof ApiKey>;
export type CreatedApiKey = Static<typeof CreatedApiKey>;
export type CreateApiKeyRequest = Static<typeof CreateApiKeyRequest>;
