// Vireo addition: what a client must know before it sends bytes (GET /workspaces/{org}/limits).
import Type, { type Static } from 'typebox';

export const OrganizationLimits = Type.Object({
  /** Largest file an ingestion session accepts, in bytes. */
  maxUploadBytes: Type.Integer({ minimum: 1 }),
  /** Most files one ingestion session may announce. */
  maxFilesPerSession: Type.Integer({ minimum: 1 }),
});

export type OrganizationLimits = Static<typeof OrganizationLimits>;
