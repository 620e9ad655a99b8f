/** Interface-class definitions: types and the table with its lookups. */
export * from './types.js';
export * from './definitions.js';
