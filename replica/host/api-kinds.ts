/**
 * Execution contexts of the System API and which `ic0` imports each may call.
 *
 * Source: the IC interface specification, canister-interface "Overview of imports"
 * (see ../shared/reference/ic-replica-brief.md, section 1). Calling an import from a
 * context not listed for it traps with IC0504 (contract violation).
 */
export type ApiKind =
  | 'start' // s: the module's start function
  | 'init' // I: canister_init and canister_post_upgrade
  | 'pre_upgrade' // G
  | 'update' // U
  | 'replicated_query' // RQ: a query method called by a canister or as an update
  | 'query' // NRQ: a query called by ingress, state always discarded
  | 'composite_query' // CQ
  | 'reply' // Ry
  | 'reject' // Rt
  | 'cq_reply' // CRy: reply callback inside a composite query
  | 'cq_reject' // CRt
  | 'cleanup' // C
  | 'inspect' // F: canister_inspect_message
  | 'system_task'; // T: heartbeat and global timer

const ALL: readonly ApiKind[] = [
  'init', 'pre_upgrade', 'update', 'replicated_query', 'query', 'composite_query',
  'reply', 'reject', 'cq_reply', 'cq_reject', 'cleanup', 'inspect', 'system_task',
];
const set = (...kinds: ApiKind[]) => new Set<ApiKind>(kinds);
const everywhere = set(...ALL);
const everywhereAndStart = set(...ALL, 'start');
const responders = set('update', 'replicated_query', 'query', 'composite_query', 'reply', 'reject', 'cq_reply', 'cq_reject');
const callers = set('update', 'composite_query', 'reply', 'reject', 'cq_reply', 'cq_reject', 'system_task');
const replicatedMutators = set('init', 'pre_upgrade', 'update', 'reply', 'reject', 'cleanup', 'system_task');

/** For each import name, the contexts that may call it. */
export const ALLOWED: Record<string, ReadonlySet<ApiKind>> = {
  msg_arg_data_size: set('init', 'update', 'replicated_query', 'query', 'composite_query', 'reply', 'cq_reply', 'inspect'),
  msg_arg_data_copy: set('init', 'update', 'replicated_query', 'query', 'composite_query', 'reply', 'cq_reply', 'inspect'),
  msg_caller_size: everywhere,
  msg_caller_copy: everywhere,
  msg_reject_code: set('reply', 'reject', 'cq_reply', 'cq_reject', 'cleanup'),
  msg_reject_msg_size: set('reject', 'cq_reject'),
  msg_reject_msg_copy: set('reject', 'cq_reject'),
  msg_deadline: set('update', 'replicated_query', 'query', 'composite_query', 'reply', 'reject', 'cq_reply', 'cq_reject'),
  msg_reply_data_append: responders,
  msg_reply: responders,
  msg_reject: responders,
  msg_cycles_available128: set('update', 'replicated_query', 'reply', 'reject'),
  msg_cycles_refunded128: set('reply', 'reject'),
  msg_cycles_accept128: set('update', 'replicated_query', 'reply', 'reject'),
  cycles_burn128: replicatedMutators,
  canister_self_size: everywhere,
  canister_self_copy: everywhere,
  canister_cycle_balance128: everywhere,
  canister_liquid_cycle_balance128: everywhere,
  canister_status: everywhere,
  canister_version: everywhere,
  subnet_self_size: everywhere,
  subnet_self_copy: everywhere,
  root_key_size: set('init', 'pre_upgrade', 'update', 'replicated_query', 'reply', 'reject', 'cleanup', 'system_task'),
  root_key_copy: set('init', 'pre_upgrade', 'update', 'replicated_query', 'reply', 'reject', 'cleanup', 'system_task'),
  msg_method_name_size: set('inspect'),
  msg_method_name_copy: set('inspect'),
  accept_message: set('inspect'),
  call_new: callers,
  call_on_cleanup: callers,
  call_data_append: callers,
  call_with_best_effort_response: callers,
  call_cycles_add128: set('update', 'reply', 'reject', 'system_task'),
  call_perform: callers,
  stable64_size: everywhereAndStart,
  stable64_grow: everywhereAndStart,
  stable64_read: everywhereAndStart,
  stable64_write: everywhereAndStart,
  stable_size: everywhereAndStart,
  stable_grow: everywhereAndStart,
  stable_read: everywhereAndStart,
  stable_write: everywhereAndStart,
  certified_data_set: set('init', 'pre_upgrade', 'update', 'reply', 'reject', 'system_task'),
  data_certificate_present: everywhere,
  data_certificate_size: set('query', 'composite_query'),
  data_certificate_copy: set('query', 'composite_query'),
  time: everywhere,
  global_timer_set: replicatedMutators,
  performance_counter: everywhereAndStart,
  is_controller: everywhereAndStart,
  in_replicated_execution: everywhereAndStart,
  debug_print: everywhereAndStart,
  trap: everywhereAndStart,
  cost_call: everywhereAndStart,
  cost_create_canister: everywhereAndStart,
  cost_http_request: everywhereAndStart,
  cost_sign_with_ecdsa: everywhereAndStart,
  cost_sign_with_schnorr: everywhereAndStart,
  cost_vetkd_derive_key: everywhereAndStart,
  env_var_count: everywhere,
  env_var_name_size: everywhere,
  env_var_name_copy: everywhere,
  env_var_name_exists: everywhere,
  env_var_value_size: everywhere,
  env_var_value_copy: everywhere,
};

/** Contexts whose state changes are always discarded. */
export const NON_REPLICATED: ReadonlySet<ApiKind> = set('query', 'composite_query', 'cq_reply', 'cq_reject', 'inspect');
