/**
 * @meteringlab/dlms-core: DLMS/COSEM codecs without I/O.
 *
 * Bytes in, plain readonly objects out, and back. Nothing here opens a socket, a port, a timer or a
 * file; the only `node:` import is `node:crypto`, behind the security module.
 */
export * from './errors.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export * from './hex.js';
export * from './datetime.js';
export * from './datetime-convert.js';
export * from './obis.js';
export * from './obis-names.js';
export * from './axdr/types.js';
export * from './axdr/length.js';
export * from './axdr/data.js';
export * from './axdr/json.js';
export * from './plain-json.js';
export * from './channel.js';
export {
  type InvokeIdAndPriority,
  type LongInvokeIdAndPriority,
  type CosemAttributeDescriptor,
  type CosemMethodDescriptor,
  type DataAccessResult,
  type DataAccessResultName,
  type ActionResult,
  type ActionResultName,
  type GetDataResult,
  type DataBlockG,
  type DataBlockSA,
  DataAccessResultCode,
  ActionResultCode,
  dataAccessResultFromCode,
  dataAccessResultCode,
  actionResultFromCode,
  actionResultCode,
  decodeInvokeIdAndPriority,
  encodeInvokeIdAndPriority,
  decodeLongInvokeIdAndPriority,
  encodeLongInvokeIdAndPriority,
  decodeCosemAttributeDescriptor,
  encodeCosemAttributeDescriptor,
  decodeCosemMethodDescriptor,
  encodeCosemMethodDescriptor,
} from './xdlms/common.js';
export * from './xdlms/selective-access.js';
export * from './xdlms/get.js';
export * from './xdlms/set.js';
export * from './xdlms/action.js';
export * from './xdlms/access.js';
export * from './xdlms/data-notification.js';
export * from './xdlms/event-notification.js';
export * from './xdlms/exception-response.js';
export * from './xdlms/general-block-transfer.js';
export * from './xdlms/sn.js';
export * from './apdu.js';
export * from './ber/tlv.js';
export * from './ber/primitives.js';
export * from './xdlms/conformance.js';
export * from './xdlms/initiate.js';
export * from './xdlms/confirmed-service-error.js';
export * from './acse/names.js';
export * from './acse/fields.js';
export * from './acse/user-information.js';
export * from './acse/aarq.js';
export * from './acse/aare.js';
export * from './acse/rlrq.js';
export * from './acse/rlre.js';
export * from './security/index.js';
export * from './association/blocks.js';
export * from './association/block-join.js';
export * from './association/server-config.js';
export * from './association/server.js';
export * from './association/client-profile.js';
export * from './association/client.js';
export * from './association/client-access.js';
