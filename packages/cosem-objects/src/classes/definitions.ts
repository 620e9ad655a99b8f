/**
 * Definitions of the common COSEM interface classes (IEC 62056-6-2 / DLMS UA Blue Book clause 4),
 * attributes and methods in index order, as data. Versions are the current ones unless noted; an
 * older version is listed where its layout differs in a way clients meet in the field (Association
 * LN, Profile generic, Security setup, Push setup, Association SN).
 *
 * Types: date-time attributes that the Blue Book types as `octet-string` (formatted as date-time) are
 * `'octet-string'` here; structures and arrays name only the outer type. Default access is a sensible
 * default for a management client; the real rights come from the association's object list.
 *
 * What it does not do: no values, no behaviour. The server-side behaviour lives in `model/`.
 */
import type { DataType } from '@meteringlab/dlms-core';
import type { AttributeAccessMode, AttributeDefinition, ClassDefinition, MethodDefinition } from './types.js';

type Types = readonly DataType[] | 'any';
type A = readonly [name: string, types: Types, kind: 's' | 'd', access?: AttributeAccessMode];
type M =
  | readonly [name: string, parameter: Types, optional?: boolean]
  | readonly [index: number, name: string, parameter: Types];

const OS: Types = ['octet-string'];
const U8: Types = ['unsigned'];
const U16: Types = ['long-unsigned'];
const U32: Types = ['double-long-unsigned'];
const I8: Types = ['integer'];
const I16: Types = ['long'];
const ENUM: Types = ['enum'];
const BOOL: Types = ['boolean'];
const ARR: Types = ['array'];
const STRUCT: Types = ['structure'];
/** The value of a register: any simple numeric type or an octet/visible string (Blue Book 4.3.2). */
const VALUE: Types = 'any';

function def(
  classId: number,
  version: number,
  name: string,
  attrs: readonly A[],
  methods: readonly M[] = [],
): ClassDefinition {
  const attributes: AttributeDefinition[] = [
    { index: 1, name: 'logical_name', types: OS, kind: 'static', defaultAccess: 'read-only' },
    ...attrs.map(([n, types, kind, access], i) => ({
      index: i + 2,
      name: n,
      types,
      kind: kind === 's' ? ('static' as const) : ('dynamic' as const),
      defaultAccess: access ?? (kind === 's' ? 'read-and-write' : 'read-only'),
    })),
  ];
  const ms: MethodDefinition[] = methods.map((m, i) =>
    typeof m[0] === 'number'
      ? { index: m[0], name: m[1] as string, parameter: m[2] as Types, optional: false }
      : {
          index: i + 1,
          name: m[0],
          parameter: m[1] as Types,
          optional: (m as readonly [string, Types, boolean?])[2] ?? false,
        },
  );
  return Object.freeze({
    classId,
    version,
    name,
    attributes: Object.freeze(attributes),
    methods: Object.freeze(ms),
  });
}

/** Every known class definition, by class id then version. */
export const CLASS_DEFINITIONS: readonly ClassDefinition[] = [
  def(1, 0, 'Data', [['value', VALUE, 'd', 'read-only']]),
  def(
    3,
    0,
    'Register',
    [
      ['value', VALUE, 'd'],
      ['scaler_unit', STRUCT, 's', 'read-only'],
    ],
    [['reset', I8, true]],
  ),
  def(
    4,
    0,
    'Extended register',
    [
      ['value', VALUE, 'd'],
      ['scaler_unit', STRUCT, 's', 'read-only'],
      ['status', 'any', 'd'],
      ['capture_time', OS, 'd'],
    ],
    [['reset', I8, true]],
  ),
  def(
    5,
    0,
    'Demand register',
    [
      ['current_average_value', VALUE, 'd'],
      ['last_average_value', VALUE, 'd'],
      ['scaler_unit', STRUCT, 's', 'read-only'],
      ['status', 'any', 'd'],
      ['capture_time', OS, 'd'],
      ['start_time_current', OS, 'd'],
      ['period', U32, 's'],
      ['number_of_periods', U16, 's'],
    ],
    [
      ['reset', I8, true],
      ['next_period', I8, true],
    ],
  ),
  def(
    6,
    0,
    'Register activation',
    [
      ['register_assignment', ARR, 's'],
      ['mask_list', ARR, 's'],
      ['active_mask', OS, 'd'],
    ],
    [
      ['add_register', STRUCT],
      ['add_mask', STRUCT],
      ['delete_mask', OS],
    ],
  ),
  def(
    7,
    1,
    'Profile generic',
    [
      ['buffer', ARR, 'd', 'read-only'],
      ['capture_objects', ARR, 's'],
      ['capture_period', U32, 's'],
      ['sort_method', ENUM, 's'],
      ['sort_object', STRUCT, 's'],
      ['entries_in_use', U32, 'd'],
      ['profile_entries', U32, 's'],
    ],
    [
      ['reset', I8, true],
      ['capture', I8, true],
    ],
  ),
  def(
    8,
    0,
    'Clock',
    [
      ['time', OS, 'd', 'read-and-write'],
      ['time_zone', I16, 's'],
      ['status', U8, 'd'],
      ['daylight_savings_begin', OS, 's'],
      ['daylight_savings_end', OS, 's'],
      ['daylight_savings_deviation', I8, 's'],
      ['daylight_savings_enabled', BOOL, 's'],
      ['clock_base', ENUM, 's', 'read-only'],
    ],
    [
      ['adjust_to_quarter', I8, true],
      ['adjust_to_measuring_period', I8, true],
      ['adjust_to_minute', I8, true],
      ['adjust_to_preset_time', I8, true],
      ['preset_adjusting_time', STRUCT, true],
      ['shift_time', I16, true],
    ],
  ),
  def(9, 0, 'Script table', [['scripts', ARR, 's']], [['execute', U16]]),
  def(
    11,
    0,
    'Special days table',
    [['entries', ARR, 's']],
    [
      ['insert', STRUCT, true],
      ['delete', U16, true],
    ],
  ),
  // Association SN, version 4: methods 1, 2 and 7 are not used in this version (Blue Book 4.4.3).
  def(
    12,
    4,
    'Association SN',
    [
      ['object_list', ARR, 's', 'read-only'],
      ['access_rights_list', ARR, 's', 'read-only'],
      ['security_setup_reference', OS, 's', 'read-only'],
      ['user_list', ARR, 's', 'read-only'],
      ['current_user', STRUCT, 'd', 'read-only'],
    ],
    [
      [3, 'read_by_logicalname', ARR],
      [4, 'get_attributes_&_services', ARR],
      [5, 'change_LLS_secret', OS],
      [6, 'change_HLS_secret', OS],
      [8, 'reply_to_HLS_authentication', OS],
      [9, 'add_user', STRUCT],
      [10, 'remove_user', STRUCT],
    ],
  ),
  def(
    15,
    3,
    'Association LN',
    [
      ['object_list', ARR, 's', 'read-only'],
      ['associated_partners_id', STRUCT, 's', 'read-only'],
      ['application_context_name', OS, 's', 'read-only'],
      ['xDLMS_context_info', STRUCT, 's', 'read-only'],
      ['authentication_mechanism_name', OS, 's', 'read-only'],
      ['secret', OS, 's', 'write-only'],
      ['association_status', ENUM, 'd', 'read-only'],
      ['security_setup_reference', OS, 's', 'read-only'],
      ['user_list', ARR, 's', 'read-only'],
      ['current_user', STRUCT, 'd', 'read-only'],
    ],
    [
      ['reply_to_HLS_authentication', OS],
      ['change_HLS_secret', OS],
      ['add_object', STRUCT, true],
      ['remove_object', STRUCT, true],
      ['add_user', STRUCT, true],
      ['remove_user', STRUCT, true],
    ],
  ),
  def(
    17,
    0,
    'SAP assignment',
    [['SAP_assignment_list', ARR, 's']],
    [['connect_logical_device', STRUCT, true]],
  ),
  def(
    18,
    0,
    'Image transfer',
    [
      ['image_block_size', U32, 's', 'read-only'],
      ['image_transferred_blocks_status', ['bit-string'], 'd'],
      ['image_first_not_transferred_block_number', U32, 'd'],
      ['image_transfer_enabled', BOOL, 's'],
      ['image_transfer_status', ENUM, 'd'],
      ['image_to_activate_info', ARR, 'd'],
    ],
    [
      ['image_transfer_initiate', STRUCT],
      ['image_block_transfer', STRUCT],
      ['image_verify', I8],
      ['image_activate', I8],
    ],
  ),
  def(
    20,
    0,
    'Activity calendar',
    [
      ['calendar_name_active', OS, 's', 'read-only'],
      ['season_profile_active', ARR, 's', 'read-only'],
      ['week_profile_table_active', ARR, 's', 'read-only'],
      ['day_profile_table_active', ARR, 's', 'read-only'],
      ['calendar_name_passive', OS, 's'],
      ['season_profile_passive', ARR, 's'],
      ['week_profile_table_passive', ARR, 's'],
      ['day_profile_table_passive', ARR, 's'],
      ['activate_passive_calendar_time', OS, 's'],
    ],
    [['activate_passive_calendar', I8]],
  ),
  def(21, 0, 'Register monitor', [
    ['thresholds', ARR, 's'],
    ['monitored_value', STRUCT, 's'],
    ['actions', ARR, 's'],
  ]),
  def(22, 0, 'Single action schedule', [
    ['executed_script', STRUCT, 's'],
    ['type', ENUM, 's'],
    ['execution_time', ARR, 's'],
  ]),
  def(23, 1, 'IEC HDLC setup', [
    ['comm_speed', ENUM, 's'],
    ['window_size_transmit', U8, 's'],
    ['window_size_receive', U8, 's'],
    ['max_info_field_length_transmit', U16, 's'],
    ['max_info_field_length_receive', U16, 's'],
    ['inter_octet_time_out', U16, 's'],
    ['inactivity_time_out', U16, 's'],
    ['device_address', U16, 's'],
  ]),
  def(
    40,
    0,
    'Push setup',
    [
      ['push_object_list', ARR, 's'],
      ['send_destination_and_method', STRUCT, 's'],
      ['communication_window', ARR, 's'],
      ['randomisation_start_interval', U16, 's'],
      ['number_of_retries', U8, 's'],
      ['repetition_delay', U16, 's'],
    ],
    [['push', I8]],
  ),
  def(41, 0, 'TCP-UDP setup', [
    ['TCP-UDP_port', U16, 's'],
    ['IP_reference', OS, 's'],
    ['MSS', U16, 's'],
    ['nb_of_sim_conn', U8, 's'],
    ['inactivity_time_out', U16, 's'],
  ]),
  def(
    42,
    0,
    'IPv4 setup',
    [
      ['DL_reference', OS, 's'],
      ['IP_address', U32, 'd'],
      ['multicast_IP_address', ARR, 's'],
      ['IP_options', ARR, 's'],
      ['subnet_mask', U32, 's'],
      ['gateway_IP_address', U32, 's'],
      ['use_DHCP_flag', BOOL, 's'],
      ['primary_DNS_address', U32, 's'],
      ['secondary_DNS_address', U32, 's'],
    ],
    [
      ['add_mc_IP_address', U32, true],
      ['delete_mc_IP_address', U32, true],
      ['get_nbof_mc_IP_addresses', I8, true],
    ],
  ),
  def(45, 0, 'GPRS modem setup', [
    ['APN', OS, 's'],
    ['PIN_code', U16, 's', 'write-only'],
    ['quality_of_service', STRUCT, 's'],
  ]),
  // Security setup version 0: security_policy is an enum 0..3 and method 2 is global_key_transfer.
  def(
    64,
    0,
    'Security setup',
    [
      ['security_policy', ENUM, 's', 'read-only'],
      ['security_suite', ENUM, 's', 'read-only'],
      ['client_system_title', OS, 's'],
      ['server_system_title', OS, 's', 'read-only'],
    ],
    [
      ['security_activate', ENUM],
      ['global_key_transfer', ARR],
    ],
  ),
  // Version 1: security_policy is an enum whose bits select the protection (Blue Book 4.4.7), certificates added.
  def(
    64,
    1,
    'Security setup',
    [
      ['security_policy', ENUM, 's', 'read-only'],
      ['security_suite', ENUM, 's', 'read-only'],
      ['client_system_title', OS, 's'],
      ['server_system_title', OS, 's', 'read-only'],
      ['certificates', ARR, 's', 'read-only'],
    ],
    [
      ['security_activate', ENUM],
      ['key_transfer', ARR],
      ['key_agreement', ARR, true],
      ['generate_key_pair', ENUM, true],
      ['generate_certificate_request', ENUM, true],
      ['import_certificate', OS, true],
      ['export_certificate', STRUCT, true],
      ['remove_certificate', STRUCT, true],
    ],
  ),
  def(
    70,
    0,
    'Disconnect control',
    [
      ['output_state', BOOL, 'd', 'read-only'],
      ['control_state', ENUM, 'd', 'read-only'],
      ['control_mode', ENUM, 's'],
    ],
    [
      ['remote_disconnect', I8],
      ['remote_reconnect', I8],
    ],
  ),
  def(71, 0, 'Limiter', [
    ['monitored_value', STRUCT, 's'],
    ['threshold_active', 'any', 'd'],
    ['threshold_normal', 'any', 's'],
    ['threshold_emergency', 'any', 's'],
    ['min_over_threshold_duration', U32, 's'],
    ['min_under_threshold_duration', U32, 's'],
    ['emergency_profile', STRUCT, 's'],
    ['emergency_profile_group_id_list', ARR, 's'],
    ['emergency_profile_active', BOOL, 'd', 'read-only'],
    ['actions', STRUCT, 's'],
  ]),
  def(
    72,
    1,
    'M-Bus client',
    [
      ['mbus_port_reference', OS, 's'],
      ['capture_definition', ARR, 's'],
      ['capture_period', U32, 's'],
      ['primary_address', U8, 's'],
      ['identification_number', U32, 's'],
      ['manufacturer_id', U16, 's'],
      ['version', U8, 's'],
      ['device_type', U8, 's'],
      ['access_number', U8, 'd'],
      ['status', U8, 'd'],
      ['alarm', U8, 'd'],
      ['configuration', U16, 's'],
      ['encryption_key_status', ENUM, 'd'],
    ],
    [
      ['slave_install', I8],
      ['slave_deinstall', I8],
      ['capture', I8],
      ['reset_alarm', I8],
      ['synchronize_clock', I8],
      ['data_send', ARR],
      ['set_encryption_key', OS],
      ['transfer_key', OS],
    ],
  ),
];

const BY_CLASS = new Map<number, ClassDefinition[]>();
for (const d of CLASS_DEFINITIONS) {
  const list = BY_CLASS.get(d.classId) ?? [];
  list.push(d);
  list.sort((x, y) => y.version - x.version);
  BY_CLASS.set(d.classId, list);
}

/**
 * The definition of a class: the given version when known, else the newest known version not above
 * it, else the newest known; `undefined` for an unknown class.
 */
export function classDefinition(classId: number, version?: number): ClassDefinition | undefined {
  const list = BY_CLASS.get(classId);
  if (list === undefined) return undefined;
  if (version === undefined) return list[0];
  return list.find((d) => d.version === version) ?? list.find((d) => d.version < version) ?? list[0];
}

/** The name of a class attribute (`(3, 2)` → `'value'`), `undefined` when unknown. */
export function attributeName(classId: number, index: number, version?: number): string | undefined {
  return classDefinition(classId, version)?.attributes.find((a) => a.index === index)?.name;
}

/** The name of a class method (`(70, 1)` → `'remote_disconnect'`), `undefined` when unknown. */
export function methodName(classId: number, index: number, version?: number): string | undefined {
  return classDefinition(classId, version)?.methods.find((m) => m.index === index)?.name;
}

/** The name of a class (`7` → `'Profile generic'`), `undefined` when unknown. */
export function className(classId: number): string | undefined {
  return BY_CLASS.get(classId)?.[0]?.name;
}
