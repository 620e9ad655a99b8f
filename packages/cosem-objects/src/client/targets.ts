/**
 * What a client names when it reads, writes or invokes: an attribute or a method of an object, by class
 * id and logical name, and the text form the command line uses (`3/1.0.1.8.0.255/2`,
 * `3/1-0:1.8.0.255/2`). Parsing and formatting only.
 */
import {
  ArgumentError,
  type CosemAttributeDescriptor,
  type CosemMethodDescriptor,
} from '@meteringlab/dlms-core';
import { logicalNameBytes, logicalNameText, type LogicalNameInput } from '../logical-name.js';

/** An attribute of an object. */
export interface AttributeTarget {
  readonly classId: number;
  /** OBIS text (`'1.0.1.8.0.255'`, `'1-0:1.8.0.255'`) or the 6 bytes. */
  readonly logicalName: LogicalNameInput;
  readonly attribute: number;
}

/** A method of an object. */
export interface MethodTarget {
  readonly classId: number;
  readonly logicalName: LogicalNameInput;
  readonly method: number;
}

function checkIndex(n: number, what: string, min: number): number {
  if (!Number.isInteger(n) || n < min || n > 127)
    throw new ArgumentError(`${what} ${n} is not in ${min}..127`);
  return n;
}

function checkClass(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw new ArgumentError(`class id ${n} is not in 0..65535`);
  return n;
}

/** The Cosem-Attribute-Descriptor of a target. */
export function attributeDescriptor(t: AttributeTarget): CosemAttributeDescriptor {
  return {
    classId: checkClass(t.classId),
    instanceId: logicalNameBytes(t.logicalName),
    attributeId: checkIndex(t.attribute, 'attribute', 0),
  };
}

/** The Cosem-Method-Descriptor of a target. */
export function methodDescriptor(t: MethodTarget): CosemMethodDescriptor {
  return {
    classId: checkClass(t.classId),
    instanceId: logicalNameBytes(t.logicalName),
    methodId: checkIndex(t.method, 'method', 1),
  };
}

function parseParts(text: string, what: string): [number, Uint8Array, number] {
  const parts = text.trim().split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new ArgumentError(
      `${what} must be <class>/<obis>/<index>, e.g. 3/1.0.1.8.0.255/2: ${JSON.stringify(text)}`,
    );
  }
  const [c, ln, i] = parts as [string, string, string];
  if (!/^\d+$/.test(c) || !/^\d+$/.test(i))
    throw new ArgumentError(`class and index must be numbers: ${JSON.stringify(text)}`);
  return [checkClass(Number(c)), logicalNameBytes(ln), Number(i)];
}

/** Parses `<class>/<obis>/<attribute>`. */
export function parseAttributeTarget(text: string): AttributeTarget {
  const [classId, logicalName, attribute] = parseParts(text, 'an attribute');
  return { classId, logicalName, attribute: checkIndex(attribute, 'attribute', 0) };
}

/** Parses `<class>/<obis>/<method>`. */
export function parseMethodTarget(text: string): MethodTarget {
  const [classId, logicalName, method] = parseParts(text, 'a method');
  return { classId, logicalName, method: checkIndex(method, 'method', 1) };
}

/** `3/1.0.1.8.0.255/2`. */
export function formatAttributeTarget(t: AttributeTarget): string {
  const ln =
    typeof t.logicalName === 'string'
      ? logicalNameText(logicalNameBytes(t.logicalName))
      : logicalNameText(t.logicalName);
  return `${t.classId}/${ln}/${t.attribute}`;
}

/** `9/0.0.10.0.0.255/1`. */
export function formatMethodTarget(t: MethodTarget): string {
  const ln =
    typeof t.logicalName === 'string'
      ? logicalNameText(logicalNameBytes(t.logicalName))
      : logicalNameText(t.logicalName);
  return `${t.classId}/${ln}/${t.method}`;
}
