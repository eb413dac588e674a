//! Generated bindings of the two WIT versions and their conversions to the
//! version-neutral model (`crate::model`).
//!
//! The interfaces `http`, `jwt`, `stats`, `time` and `utils` and the
//! resources of `types` have the same shape in both versions, so their host
//! implementations are stamped out once per version by [`impl_hosts!`];
//! each version module only supplies the type conversions.

pub mod concurrent;
pub mod count;
pub mod ext;
pub mod modify;
pub mod v1;
pub mod v2;

use crate::host::HostTrap;

pub(crate) fn trap(e: HostTrap) -> wasmtime::Error {
    wasmtime::Error::msg(e.0)
}

/// Implements every generated `Host*` trait of one WIT version for
/// `HostState`. The calling module must define `cell_to_wit`,
/// `cell_from_wit`, `type_oid_to_wit`, `value_to_wit`, `options_kind` and
/// `metric_from_wit`.
macro_rules! impl_hosts {
    ($pkg:path) => {
        use wasmtime::component::Resource;
        use $pkg as wit;
        use crate::bindings::trap;
        use crate::host::{
            self, ColumnRes, ContextRes, HostState, LimitRes, OptionsRes, QualRes, ReportLevel,
            RowRes, SortRes,
        };
        use crate::model::OptionsKind;

        type WResult<T> = wasmtime::Result<T>;

        fn options_rep(kind: OptionsKind) -> u32 {
            match kind {
                OptionsKind::Server => 0,
                OptionsKind::Table => 1,
                OptionsKind::ImportSchema => 2,
            }
        }

        fn options_from_rep(rep: u32) -> WResult<OptionsKind> {
            match rep {
                0 => Ok(OptionsKind::Server),
                1 => Ok(OptionsKind::Table),
                2 => Ok(OptionsKind::ImportSchema),
                _ => Err(wasmtime::Error::msg("invalid options handle")),
            }
        }

        impl wit::types::Host for HostState {}

        impl wit::types::HostRow for HostState {
            fn new(&mut self) -> WResult<Resource<RowRes>> {
                Ok(Resource::new_own(0))
            }
            fn cols(&mut self, _r: Resource<RowRes>) -> WResult<Vec<String>> {
                Ok(self.row.cols.clone())
            }
            fn cells(&mut self, _r: Resource<RowRes>) -> WResult<Vec<Option<wit::types::Cell>>> {
                self.row
                    .cells
                    .iter()
                    .map(|c| c.as_ref().map(cell_to_wit).transpose())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(trap)
            }
            fn push(&mut self, _r: Resource<RowRes>, cell: Option<wit::types::Cell>) -> WResult<()> {
                self.push_cell(cell.map(cell_from_wit)).map_err(trap)
            }
            fn drop(&mut self, _r: Resource<RowRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::types::HostColumn for HostState {
            fn new(&mut self, index: u32) -> WResult<Resource<ColumnRes>> {
                self.column(index).map_err(trap)?;
                Ok(Resource::new_own(index))
            }
            fn name(&mut self, r: Resource<ColumnRes>) -> WResult<String> {
                Ok(self.column(r.rep()).map_err(trap)?.name.clone())
            }
            fn num(&mut self, r: Resource<ColumnRes>) -> WResult<u32> {
                Ok(self.column(r.rep()).map_err(trap)?.num)
            }
            fn type_oid(&mut self, r: Resource<ColumnRes>) -> WResult<wit::types::TypeOid> {
                type_oid_to_wit(&self.column(r.rep()).map_err(trap)?.type_oid).map_err(trap)
            }
            fn drop(&mut self, _r: Resource<ColumnRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::types::HostQual for HostState {
            fn new(&mut self, index: u32) -> WResult<Resource<QualRes>> {
                self.qual(index).map_err(trap)?;
                Ok(Resource::new_own(index))
            }
            fn field(&mut self, r: Resource<QualRes>) -> WResult<String> {
                Ok(self.qual(r.rep()).map_err(trap)?.field.clone())
            }
            fn operator(&mut self, r: Resource<QualRes>) -> WResult<String> {
                Ok(self.qual(r.rep()).map_err(trap)?.operator.clone())
            }
            fn value(&mut self, r: Resource<QualRes>) -> WResult<wit::types::Value> {
                value_to_wit(&self.qual(r.rep()).map_err(trap)?.value).map_err(trap)
            }
            fn use_or(&mut self, r: Resource<QualRes>) -> WResult<bool> {
                Ok(self.qual(r.rep()).map_err(trap)?.use_or)
            }
            fn param(&mut self, r: Resource<QualRes>) -> WResult<Option<wit::types::Param>> {
                Ok(self
                    .qual(r.rep())
                    .map_err(trap)?
                    .param
                    .as_ref()
                    .map(|p| wit::types::Param { id: p.id, type_oid: p.type_oid }))
            }
            fn deparse(&mut self, r: Resource<QualRes>) -> WResult<String> {
                Ok(self.qual(r.rep()).map_err(trap)?.deparse())
            }
            fn drop(&mut self, _r: Resource<QualRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::types::HostSort for HostState {
            fn new(&mut self, index: u32) -> WResult<Resource<SortRes>> {
                self.sort(index).map_err(trap)?;
                Ok(Resource::new_own(index))
            }
            fn field(&mut self, r: Resource<SortRes>) -> WResult<String> {
                Ok(self.sort(r.rep()).map_err(trap)?.field.clone())
            }
            fn field_no(&mut self, r: Resource<SortRes>) -> WResult<u32> {
                Ok(self.sort(r.rep()).map_err(trap)?.field_no)
            }
            fn reversed(&mut self, r: Resource<SortRes>) -> WResult<bool> {
                Ok(self.sort(r.rep()).map_err(trap)?.reversed)
            }
            fn nulls_first(&mut self, r: Resource<SortRes>) -> WResult<bool> {
                Ok(self.sort(r.rep()).map_err(trap)?.nulls_first)
            }
            fn collate(&mut self, r: Resource<SortRes>) -> WResult<Option<String>> {
                Ok(self.sort(r.rep()).map_err(trap)?.collate.clone())
            }
            fn deparse(&mut self, r: Resource<SortRes>) -> WResult<String> {
                Ok(self.sort(r.rep()).map_err(trap)?.deparse())
            }
            fn deparse_with_collate(&mut self, r: Resource<SortRes>) -> WResult<String> {
                Ok(self.sort(r.rep()).map_err(trap)?.deparse_with_collate())
            }
            fn drop(&mut self, _r: Resource<SortRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::types::HostLimit for HostState {
            fn new(&mut self) -> WResult<Resource<LimitRes>> {
                self.get_limit().map_err(trap)?;
                Ok(Resource::new_own(0))
            }
            fn count(&mut self, _r: Resource<LimitRes>) -> WResult<i64> {
                Ok(self.get_limit().map_err(trap)?.count)
            }
            fn offset(&mut self, _r: Resource<LimitRes>) -> WResult<i64> {
                Ok(self.get_limit().map_err(trap)?.offset)
            }
            fn deparse(&mut self, _r: Resource<LimitRes>) -> WResult<String> {
                Ok(self.get_limit().map_err(trap)?.deparse())
            }
            fn drop(&mut self, _r: Resource<LimitRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::types::HostOptions for HostState {
            fn new(&mut self, options_type: wit::types::OptionsType) -> WResult<Resource<OptionsRes>> {
                let kind = options_kind(options_type).map_err(trap)?;
                Ok(Resource::new_own(options_rep(kind)))
            }
            fn get(&mut self, r: Resource<OptionsRes>, key: String) -> WResult<Option<String>> {
                Ok(self.options(options_from_rep(r.rep())?).get(&key).cloned())
            }
            fn require(
                &mut self,
                r: Resource<OptionsRes>,
                key: String,
            ) -> WResult<Result<String, String>> {
                Ok(self
                    .options(options_from_rep(r.rep())?)
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| format!("required option `{key}` is not specified")))
            }
            fn require_or(
                &mut self,
                r: Resource<OptionsRes>,
                key: String,
                default: String,
            ) -> WResult<String> {
                Ok(self
                    .options(options_from_rep(r.rep())?)
                    .get(&key)
                    .cloned()
                    .unwrap_or(default))
            }
            fn drop(&mut self, _r: Resource<OptionsRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::types::HostContext for HostState {
            fn new(&mut self) -> WResult<Resource<ContextRes>> {
                Ok(Resource::new_own(0))
            }
            fn get_options(
                &mut self,
                _r: Resource<ContextRes>,
                options_type: wit::types::OptionsType,
            ) -> WResult<Resource<OptionsRes>> {
                let kind = options_kind(options_type).map_err(trap)?;
                Ok(Resource::new_own(options_rep(kind)))
            }
            fn get_quals(&mut self, _r: Resource<ContextRes>) -> WResult<Vec<Resource<QualRes>>> {
                Ok((0..self.quals.len() as u32).map(Resource::new_own).collect())
            }
            fn get_columns(&mut self, _r: Resource<ContextRes>) -> WResult<Vec<Resource<ColumnRes>>> {
                Ok((0..self.columns.len() as u32).map(Resource::new_own).collect())
            }
            fn get_sorts(&mut self, _r: Resource<ContextRes>) -> WResult<Vec<Resource<SortRes>>> {
                Ok((0..self.sorts.len() as u32).map(Resource::new_own).collect())
            }
            fn get_limit(&mut self, _r: Resource<ContextRes>) -> WResult<Option<Resource<LimitRes>>> {
                Ok(self.limit.map(|_| Resource::new_own(0)))
            }
            fn drop(&mut self, _r: Resource<ContextRes>) -> WResult<()> {
                Ok(())
            }
        }

        impl wit::http::Host for HostState {
            fn get(&mut self, req: wit::http::Request) -> WResult<wit::http::HttpResult> {
                Ok(send(self, req))
            }
            fn post(&mut self, req: wit::http::Request) -> WResult<wit::http::HttpResult> {
                Ok(send(self, req))
            }
            fn put(&mut self, req: wit::http::Request) -> WResult<wit::http::HttpResult> {
                Ok(send(self, req))
            }
            fn patch(&mut self, req: wit::http::Request) -> WResult<wit::http::HttpResult> {
                Ok(send(self, req))
            }
            fn delete(&mut self, req: wit::http::Request) -> WResult<wit::http::HttpResult> {
                Ok(send(self, req))
            }
            fn error_for_status(
                &mut self,
                resp: wit::http::Response,
            ) -> WResult<Result<(), wit::http::HttpError>> {
                Ok(host::http::error_for_status(&host::http::Response {
                    url: resp.url,
                    status_code: resp.status_code,
                    headers: resp.headers,
                    body: resp.body,
                }))
            }
        }

        /// The HTTP method sent is the request's, whatever function was called.
        fn send(state: &mut HostState, req: wit::http::Request) -> wit::http::HttpResult {
            let method = match req.method {
                wit::http::Method::Get => host::http::Method::Get,
                wit::http::Method::Post => host::http::Method::Post,
                wit::http::Method::Put => host::http::Method::Put,
                wit::http::Method::Patch => host::http::Method::Patch,
                wit::http::Method::Delete => host::http::Method::Delete,
            };
            let request = host::http::Request {
                method,
                url: req.url,
                headers: req.headers,
                body: req.body,
            };
            let http = state.http.clone();
            let services = &state.services;
            let started = std::time::Instant::now();
            let result = http.send(&request, &|| services.cancel_pending());
            state.record_request(
                request.method.as_str(),
                &request.url,
                result.as_ref().ok().map(|r| r.status_code),
                started.elapsed(),
            );
            match result {
                Ok(r) => Ok(wit::http::Response {
                    url: r.url,
                    status_code: r.status_code,
                    headers: r.headers,
                    body: r.body,
                }),
                Err(e) => Err(state.mask(&e)),
            }
        }

        impl wit::jwt::Host for HostState {
            fn encode(
                &mut self,
                payload: Vec<(String, String)>,
                algo: String,
                key: String,
                ttl_hours: u32,
            ) -> WResult<wit::jwt::JwtResult> {
                self.remember_secret(&key);
                Ok(host::jwt::encode(&payload, &algo, &key, ttl_hours).map_err(|e| self.mask(&e)))
            }
        }

        impl wit::stats::Host for HostState {
            fn inc_stats(&mut self, fdw_name: String, metric: wit::stats::Metric, inc: i64) -> WResult<()> {
                host::stats::inc_stats(self, &fdw_name, metric_from_wit(metric), inc);
                Ok(())
            }
            fn get_metadata(&mut self, fdw_name: String) -> WResult<wit::stats::Metadata> {
                Ok(host::stats::get_metadata(self, &fdw_name))
            }
            fn set_metadata(&mut self, fdw_name: String, metadata: wit::stats::Metadata) -> WResult<()> {
                host::stats::set_metadata(self, &fdw_name, metadata);
                Ok(())
            }
        }

        impl wit::time::Host for HostState {
            fn epoch_secs(&mut self) -> WResult<i64> {
                Ok(host::time::epoch_secs())
            }
            fn parse_from_rfc3339(&mut self, s: String) -> WResult<wit::time::TimeResult> {
                Ok(host::time::parse_from_rfc3339(&s))
            }
            fn parse_from_str(&mut self, s: String, fmt: String) -> WResult<wit::time::TimeResult> {
                Ok(host::time::parse_from_str(&s, &fmt))
            }
            fn epoch_ms_to_rfc3339(&mut self, msecs: i64) -> WResult<Result<String, wit::time::TimeError>> {
                Ok(host::time::epoch_ms_to_rfc3339(msecs))
            }
            fn sleep(&mut self, millis: u64) -> WResult<()> {
                // a cancel cuts the sleep short; the guest is then stopped
                // at its next epoch check and the cancel raised by the host
                let services = &self.services;
                host::time::sleep(millis, &|| services.cancel_pending());
                Ok(())
            }
        }

        impl wit::utils::Host for HostState {
            fn report_info(&mut self, msg: String) -> WResult<()> {
                host::utils::report(self, ReportLevel::Info, &msg);
                Ok(())
            }
            fn report_notice(&mut self, msg: String) -> WResult<()> {
                host::utils::report(self, ReportLevel::Notice, &msg);
                Ok(())
            }
            fn report_warning(&mut self, msg: String) -> WResult<()> {
                host::utils::report(self, ReportLevel::Warning, &msg);
                Ok(())
            }
            fn report_error(&mut self, msg: String) -> WResult<()> {
                host::utils::report_error(self, &msg).map_err(trap)
            }
            fn cell_to_string(&mut self, cell: Option<wit::types::Cell>) -> WResult<String> {
                let cell = cell.map(cell_from_wit);
                Ok(host::utils::cell_to_string(cell.as_ref()))
            }
            fn get_vault_secret(&mut self, secret_id: String) -> WResult<Option<String>> {
                Ok(host::utils::get_vault_secret(self, &secret_id))
            }
            fn get_vault_secret_by_name(&mut self, secret_name: String) -> WResult<Option<String>> {
                Ok(host::utils::get_vault_secret_by_name(self, &secret_name))
            }
            fn query_setting(&mut self, name: String) -> WResult<Option<String>> {
                Ok(host::utils::query_setting(self, &name))
            }
        }

        fn metric_from_wit(m: wit::stats::Metric) -> crate::model::Metric {
            use crate::model::Metric;
            match m {
                wit::stats::Metric::CreateTimes => Metric::CreateTimes,
                wit::stats::Metric::RowsIn => Metric::RowsIn,
                wit::stats::Metric::RowsOut => Metric::RowsOut,
                wit::stats::Metric::BytesIn => Metric::BytesIn,
                wit::stats::Metric::BytesOut => Metric::BytesOut,
            }
        }
    };
}

pub(crate) use impl_hosts;
