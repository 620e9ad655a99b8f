import { describe, expect, it } from 'vitest';
import {
  attributeName,
  CLASS_DEFINITIONS,
  classDefinition,
  className,
  methodName,
} from '@meteringlab/cosem-objects';

const REQUIRED = [1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 15, 17, 18, 20, 21, 22, 23, 40, 41, 42, 45, 64, 70, 71, 72];

describe('class definitions', () => {
  it('cover every required class', () => {
    for (const id of REQUIRED) expect(classDefinition(id), `class ${id}`).toBeDefined();
  });

  it('attribute 1 is logical_name octet-string, static, for every class', () => {
    for (const d of CLASS_DEFINITIONS) {
      const a = d.attributes[0]!;
      expect(a).toMatchObject({ index: 1, name: 'logical_name', types: ['octet-string'], kind: 'static' });
    }
  });

  it('attribute and method indices are unique and ascending', () => {
    for (const d of CLASS_DEFINITIONS) {
      const ai = d.attributes.map((a) => a.index);
      expect(ai).toEqual(ai.map((_, i) => i + 1));
      const mi = d.methods.map((m) => m.index);
      expect([...new Set(mi)].sort((a, b) => a - b)).toEqual(mi);
    }
  });

  it.each([
    [3, 2, 'value'],
    [3, 3, 'scaler_unit'],
    [4, 5, 'capture_time'],
    [5, 8, 'period'],
    [5, 9, 'number_of_periods'],
    [7, 2, 'buffer'],
    [7, 3, 'capture_objects'],
    [7, 4, 'capture_period'],
    [7, 7, 'entries_in_use'],
    [7, 8, 'profile_entries'],
    [8, 2, 'time'],
    [8, 3, 'time_zone'],
    [8, 9, 'clock_base'],
    [15, 2, 'object_list'],
    [15, 7, 'secret'],
    [15, 8, 'association_status'],
    [23, 9, 'device_address'],
    [40, 2, 'push_object_list'],
    [64, 2, 'security_policy'],
    [70, 4, 'control_mode'],
  ])('class %i attribute %i is %s', (c, i, n) => {
    expect(attributeName(c, i)).toBe(n);
  });

  it.each([
    [3, 1, 'reset'],
    [5, 2, 'next_period'],
    [7, 2, 'capture'],
    [8, 1, 'adjust_to_quarter'],
    [8, 6, 'shift_time'],
    [12, 8, 'reply_to_HLS_authentication'],
    [15, 1, 'reply_to_HLS_authentication'],
    [15, 2, 'change_HLS_secret'],
    [40, 1, 'push'],
    [64, 2, 'key_transfer'],
    [70, 1, 'remote_disconnect'],
    [70, 2, 'remote_reconnect'],
  ])('class %i method %i is %s', (c, i, n) => {
    expect(methodName(c, i)).toBe(n);
  });

  it('chooses versions', () => {
    expect(classDefinition(64, 0)?.methods[1]?.name).toBe('global_key_transfer');
    expect(classDefinition(64)?.version).toBe(1);
    expect(classDefinition(64, 7)?.version).toBe(1);
    expect(classDefinition(999)).toBeUndefined();
    expect(className(7)).toBe('Profile generic');
    expect(attributeName(3, 9)).toBeUndefined();
    expect(methodName(1, 1)).toBeUndefined();
  });
});
