// @vireo/wire: every request and response shape, defined once. The server validates and
// serializes through these schemas; the SDK takes its types from them. Each schema `X` has a
// matching type `X`.
export * from './annotations.js';
export * from './assets.js';
export * from './common.js';
export * from './datasets.js';
export * from './exports.js';
export * from './keys.js';
export * from './limits.js';
export * from './media.js';
export * from './organizations.js';
export * from './twelvelabs.js';

export interface PageOf<T> {
  items: T[];
  nextPage: string | null;
  prevPage: string | null;
}
export * from './twelvelabs-multipart.js';
