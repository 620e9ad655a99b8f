/** Kept for this package's older imports of `./obis-names.js`: the one `obisName` is dlms-core's. */
export { obisName } from '@meteringlab/dlms-core';
