import {
  cosemDateTimeFromIso,
  dataToJson,
  decodeApdu,
  encodeApdu,
  formatObis,
  fromHex,
  obisFromBytes,
  obisName,
  parseObis,
  obisToBytes,
  toHex,
  unprotectApdu,
  type Apdu,
} from '@meteringlab/dlms-core';

// 1. Decode a GET-Request: class 8 (Clock), 0-0:1.0.0.255, attribute 2 (time).
const request = decodeApdu(fromHex('C0 01 C1 00 08 00 00 01 00 00 FF 02 00'));
if (request.type === 'get-request-normal') {
  const ln = obisFromBytes(request.attribute.instanceId);
  console.log(request.attribute.classId, formatObis(ln), obisName(ln), request.attribute.attributeId);
}

// 2. Build a DataNotification and encode it; decode gives back the same object.
const notification: Apdu = {
  type: 'data-notification',
  longInvokeIdAndPriority: {
    invokeId: 1,
    selfDescriptive: false,
    breakOnError: false,
    confirmed: false,
    highPriority: false,
  },
  body: {
    type: 'structure',
    value: [
      { type: 'date-time', value: cosemDateTimeFromIso('2026-11-21T10:00:00+01:00') },
      { type: 'octet-string', value: obisToBytes(parseObis('1-0:1.8.0.255')) },
      { type: 'double-long-unsigned', value: 1234567 },
    ],
  },
};
const bytes = encodeApdu(notification);
console.log(toHex(bytes));
const back = decodeApdu(bytes);
if (back.type === 'data-notification' && back.body.type === 'structure') {
  console.log(JSON.stringify(dataToJson(back.body.value[2]!)));
}

// 3. Decipher a glo-get-request (the Green Book example keys) and decode what is inside.
const ciphered = fromHex('C81E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B');
const { envelope, plaintext, verified } = unprotectApdu(ciphered, {
  key: fromHex('000102030405060708090A0B0C0D0E0F'),
  authKey: fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'),
  systemTitle: fromHex('4D4D4D0000BC614E'),
});
console.log(envelope.invocationCounter, verified, decodeApdu(plaintext).type);
