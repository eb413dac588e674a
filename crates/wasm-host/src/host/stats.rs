//! `stats`: per-FDW counters and metadata, kept by the database side
//! ([`super::Services`]); failures there are warnings, never errors.

use super::HostState;
use crate::model::Metric;

/// Buffered: see [`HostState::flush_stats`].
pub fn inc_stats(state: &mut HostState, fdw_name: &str, metric: Metric, inc: i64) {
    match state
        .pending_stats
        .iter_mut()
        .find(|(n, m, _)| n == fdw_name && *m == metric)
    {
        Some((_, _, total)) => *total = total.saturating_add(inc),
        None => state.pending_stats.push((fdw_name.to_owned(), metric, inc)),
    }
}

pub fn get_metadata(state: &mut HostState, fdw_name: &str) -> Option<String> {
    state.services.get_metadata(fdw_name)
}

pub fn set_metadata(state: &mut HostState, fdw_name: &str, metadata: Option<String>) {
    state.services.set_metadata(fdw_name, metadata);
}
