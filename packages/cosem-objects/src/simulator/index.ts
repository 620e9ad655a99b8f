/**
 * The meter simulator: a JSON profile format and its validation, a builder that turns a profile into
 * logical devices, a `DlmsServer` and a schedule of captures and pushes, value generators, a default
 * electricity meter, and fault injection around an APDU channel. No sockets: `dlms sim` wires this to
 * the transports.
 */
export * from './profile.js';
export * from './generators.js';
export * from './default-profile.js';
export * from './build.js';
export * from './faults.js';
export * from './fleet.js';
