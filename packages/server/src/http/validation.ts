// Request validation. Query strings, path parameters and headers arrive as text, so their numbers
// and booleans are coerced; JSON bodies are checked strictly (a 5 where a name belongs is an error,
// not the string "5").
import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import sjson from 'secure-json-parse';
import { AppError } from '../domain/errors.js';

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };
const lenient = new Ajv({ ...common, coerceTypes: 'array' });
const strict = new Ajv({ ...common, coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : lenient).compile(schema);

/** Parses a JSON body (refusing prototype-poisoning keys); an empty body is no body. */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new AppError('ValidationFailed', `Malformed JSON body: ${(err as Error).message}`);
  }
}
