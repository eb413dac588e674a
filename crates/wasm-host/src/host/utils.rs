//! `utils`: reports, vault lookups, session settings, cell rendering.

use super::{HostResult, HostState, HostTrap, ReportLevel};
use crate::model::{cell_literal, Cell};

pub fn report(state: &mut HostState, level: ReportLevel, msg: &str) {
    let msg = state.mask(msg);
    state.services.report(level, &msg);
}

/// `report-error` must not return to the guest: remember the message and
/// trap; the host raises it as the ERROR once the guest call has unwound.
pub fn report_error(state: &mut HostState, msg: &str) -> HostResult<()> {
    let msg = state.mask(msg);
    state.reported_error = Some(msg.clone());
    Err(HostTrap(msg))
}

pub fn cell_to_string(cell: Option<&Cell>) -> String {
    match cell {
        None => "null".to_owned(),
        Some(c) => cell_literal(c),
    }
}

/// `get-vault-secret`: only a secret the server's or the user mapping's
/// options name (see [`HostState::vault_secret_allowed`]); any other reads
/// as absent, so a package cannot read every secret the role can.
pub fn get_vault_secret(state: &mut HostState, id_or_name: &str) -> Option<String> {
    if !state.vault_secret_allowed(id_or_name) {
        return None;
    }
    let secret = state.services.vault_secret(id_or_name);
    if let Some(s) = &secret {
        state.remember_secret(s);
    }
    secret
}

/// `get-vault-secret-by-name`: scoped as [`get_vault_secret`].
pub fn get_vault_secret_by_name(state: &mut HostState, name: &str) -> Option<String> {
    if !state.vault_secret_allowed(name) {
        return None;
    }
    let secret = state.services.vault_secret_by_name(name);
    if let Some(s) = &secret {
        state.remember_secret(s);
    }
    secret
}

pub fn query_setting(state: &mut HostState, name: &str) -> Option<String> {
    state.services.query_setting(name)
}
