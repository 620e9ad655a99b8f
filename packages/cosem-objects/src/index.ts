/**
 * @meteringlab/cosem-objects: COSEM interface classes, units, scaler/unit helpers, typed readers of
 * attribute values, readings out of pushes, and the server-side object model a server engine
 * dispatches to. No I/O: values come from providers the application supplies.
 */
export * from './units.js';
export * from './scaler.js';
export * from './logical-name.js';
export * from './obis-names.js';
export * from './classes/index.js';
export * from './decoders.js';
export * from './readings.js';
export * from './model/index.js';
export * from './server/dlms-server.js';
export * from './server/refuse.js';
export * from './client/index.js';
export * from './simulator/index.js';
