// Route-level schema pieces shared by the Vi plugins.
import Type from 'typebox';
import { ErrorBody } from '@vireo/wire';

export const OrgParams = Type.Object({ org: Type.String() });
export const DatasetParams = Type.Object({ org: Type.String(), ds: Type.String() });

/** The error answers every authenticated Vi route can give (documented in the OpenAPI document). */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
} as const;

export const viSecurity = [{ secretKey: [], organizationId: [] }];
