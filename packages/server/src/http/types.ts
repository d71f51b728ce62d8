// Fastify type augmentation and the app type shared by every plugin.
import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DomainContext, Principal } from '../domain/context.js';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: DomainContext;
  }
  interface FastifyRequest {
    /** Set by the authentication hook of authenticated surfaces. */
    principal: Principal;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
