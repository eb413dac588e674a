//! One foreign scan: runs a [`Plan`] against the API through a [`Host`],
//! one page at a time, and yields rows of cells in target-column order.

use std::collections::VecDeque;
use std::rc::Rc;

use clerk_core::decode::{decode_object, decode_page};
use clerk_core::response::{classify, Outcome};
use clerk_core::catalog::{Envelope, Rows, Shape};
use clerk_core::{
    ApiUrl, Cell, CoreError, CoreResult, Page, Pager, Plan, Projection, RequestKind, RetryPolicy,
    RetryState, CLERK_API_VERSION,
};
use serde_json::Value;

use crate::host::Host;

/// Rows kept for replay on `re-scan` (a nested loop's inner side rescans
/// once per outer row; refetching every time is what makes Supabase's guest
/// slow there). Larger results are refetched.
const REPLAY_MAX_ROWS: usize = 10_000;

/// Pages one list may take: 20,000 pages of 500 rows is ten million rows,
/// more than a Clerk instance holds; past it the server is not paging.
const MAX_PAGES_PER_LIST: u64 = 20_000;

/// The request headers sent on every call. Header names are lower case:
/// Supabase's host panics on anything else.
pub fn request_headers(api_key: &str) -> Vec<(String, String)> {
    vec![
        ("authorization".into(), format!("Bearer {api_key}")),
        ("user-agent".into(), format!("clerk-wrapper/{}", env!("CARGO_PKG_VERSION"))),
        ("clerk-api-version".into(), CLERK_API_VERSION.into()),
        ("content-type".into(), "application/json".into()),
    ]
}

/// One row as fetched: an API object, or a child object of a child table
/// with the parent it was un-nested from (shared by its siblings).
#[derive(Debug, Clone)]
enum Fetched {
    Item(Value),
    Child { parent: Rc<Value>, child: Value },
}

pub struct Scanner {
    plan: Plan,
    projection: Projection,
    base: ApiUrl,
    headers: Vec<(String, String)>,
    retry: RetryPolicy,
    /// Index into the plan's fetches of the request being read.
    fetch: usize,
    /// The pager of the current fetch when it is a list; `None` for a
    /// one-object fetch.
    pager: Option<Pager>,
    /// The current one-object fetch has not been sent yet.
    one_pending: bool,
    /// The first id of the previous page of the current list and how many
    /// pages it has had: a server that ignores `offset` must end in an
    /// ERROR, not an endless scan.
    last_first_id: Option<String>,
    pages: u64,
    max_pages: u64,
    /// Fetched rows and the index of the fetch they came from.
    buffer: VecDeque<(usize, Fetched)>,
    exhausted: bool,
    /// Every row fetched so far, while the result stays small enough.
    replay: Option<Vec<(usize, Fetched)>>,
    /// Rows received from the API / produced to Postgres since the last
    /// [`Scanner::take_counts`].
    rows_in: i64,
    rows_out: i64,
}

impl Scanner {
    pub fn new(plan: Plan, base: ApiUrl, api_key: &str) -> Scanner {
        let projection = Projection::new(plan.spec, &plan.columns);
        let mut s = Scanner {
            projection,
            headers: request_headers(api_key),
            retry: RetryPolicy::default(),
            fetch: 0,
            last_first_id: None,
            pages: 0,
            max_pages: MAX_PAGES_PER_LIST,
            pager: None,
            one_pending: false,
            buffer: VecDeque::new(),
            exhausted: false,
            replay: Some(Vec::new()),
            rows_in: 0,
            rows_out: 0,
            plan,
            base,
        };
        s.restart_fetching();
        s
    }

    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Scanner {
        self.retry = retry;
        self
    }

    /// Lowers the page cap (tests).
    pub fn with_max_pages(mut self, max_pages: u64) -> Scanner {
        self.max_pages = max_pages;
        self
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn restart_fetching(&mut self) {
        self.buffer.clear();
        self.start_fetch(0);
    }

    /// Makes fetch `index` the current one (or marks the scan exhausted).
    fn start_fetch(&mut self, index: usize) {
        self.fetch = index;
        self.last_first_id = None;
        self.pages = 0;
        match self.plan.fetches().get(index) {
            None => {
                self.pager = None;
                self.one_pending = false;
                self.exhausted = true;
            }
            Some(f) => {
                self.pager = Pager::for_fetch(&self.base, f, self.plan.max_rows);
                self.one_pending = self.pager.is_none();
                self.exhausted = false;
            }
        }
    }

    /// Restarts from the first row: replays a fully fetched small result,
    /// else fetches again with the same plan.
    pub fn rescan(&mut self) {
        match (&self.replay, self.exhausted) {
            (Some(items), true) => {
                self.buffer = items.iter().cloned().collect();
            }
            _ => {
                self.replay = Some(Vec::new());
                self.restart_fetching();
            }
        }
    }

    /// Fetches the first page now (begin-scan), so errors surface early.
    pub fn prefetch(&mut self, host: &dyn Host) -> CoreResult<()> {
        if self.buffer.is_empty() && !self.exhausted {
            self.fetch_next(host)?;
        }
        Ok(())
    }

    /// The next row, fetching the next page only when the buffer runs out.
    pub fn next_row(&mut self, host: &dyn Host) -> CoreResult<Option<Vec<Option<Cell>>>> {
        loop {
            if let Some((fetch, fetched)) = self.buffer.pop_front() {
                let bound = self.plan.fetches().get(fetch).map_or(&[][..], |f| &f.bound[..]);
                let row = match &fetched {
                    Fetched::Item(item) => self.projection.row(item, None, bound)?,
                    Fetched::Child { parent, child } => self.projection.row(child, Some(parent), bound)?,
                };
                self.rows_out += 1;
                return Ok(Some(row));
            }
            if self.exhausted {
                return Ok(None);
            }
            self.fetch_next(host)?;
        }
    }

    /// Returns and resets (rows_in, rows_out).
    pub fn take_counts(&mut self) -> (i64, i64) {
        let counts = (self.rows_in, self.rows_out);
        self.rows_in = 0;
        self.rows_out = 0;
        counts
    }

    /// Sends the next request of the current fetch, then moves on to the
    /// next fetch once this one is complete.
    fn fetch_next(&mut self, host: &dyn Host) -> CoreResult<()> {
        let index = self.fetch;
        let Some(fetch) = self.plan.fetches().get(index) else {
            self.exhausted = true;
            return Ok(());
        };
        let items: Vec<Value> = match self.pager.as_mut() {
            None => {
                if self.one_pending {
                    self.one_pending = false;
                    let url = self.base.url(&fetch.path, &fetch.query);
                    match self.send(host, RequestKind::GetById, &url)? {
                        Some(body) => vec![decode_object(&body)?],
                        None => Vec::new(),
                    }
                } else {
                    Vec::new()
                }
            }
            Some(pager) => match pager.issue() {
                None => Vec::new(),
                Some(req) => {
                    let envelope = match fetch.shape {
                        Shape::Paged { envelope, .. } | Shape::Unpaged { envelope } => envelope,
                        Shape::One => Envelope::BareArray,
                    };
                    // A parent that does not exist has no children: a 404
                    // on a bound list is an empty result, as for a get.
                    let kind = if fetch.bound.is_empty() { RequestKind::List } else { RequestKind::GetById };
                    let body = self.send(host, kind, &req.url)?;
                    let mut items = match body {
                        Some(body) => decode_page(envelope, &body)?,
                        None => Page { items: Vec::new(), total_count: Some(0) },
                    };
                    let keep = self
                        .pager
                        .as_mut()
                        .map_or(items.items.len(), |p| p.record(&req, items.items.len(), items.total_count));
                    items.items.truncate(keep);
                    check_progress(&mut self.last_first_id, &mut self.pages, self.max_pages, &fetch.path, req.offset, &items.items)?;
                    // Newest first: the first row older than the window's
                    // bound ends the list.
                    if let Some(stop) = self.plan.stop {
                        let older = |i: &Value| i.get(stop.key).and_then(Value::as_i64).is_some_and(|ms| ms < stop.below_ms);
                        if let Some(at) = items.items.iter().position(older) {
                            items.items.truncate(at);
                            if let Some(p) = self.pager.as_mut() {
                                p.finish();
                            }
                        }
                    }
                    items.items
                }
            },
        };
        let rows: Vec<Fetched> = match self.plan.spec.rows {
            Rows::Items => items.into_iter().map(Fetched::Item).collect(),
            Rows::Nested { key } => items
                .into_iter()
                .flat_map(|mut parent| {
                    let children = match parent.get_mut(key).map(Value::take) {
                        Some(Value::Array(children)) => children,
                        _ => Vec::new(),
                    };
                    let parent = Rc::new(parent);
                    children
                        .into_iter()
                        .map(move |child| Fetched::Child { parent: Rc::clone(&parent), child })
                })
                .collect(),
        };
        let fetch_done = match &self.pager {
            None => !self.one_pending,
            Some(p) => p.is_done(),
        };
        if fetch_done {
            self.start_fetch(index + 1);
        }
        self.rows_in += i64::try_from(rows.len()).unwrap_or(i64::MAX);
        if let Some(replay) = &mut self.replay {
            if replay.len() + rows.len() <= REPLAY_MAX_ROWS {
                replay.extend(rows.iter().cloned().map(|r| (index, r)));
            } else {
                self.replay = None;
            }
        }
        self.buffer.extend(rows.into_iter().map(|r| (index, r)));
        Ok(())
    }

    /// One GET with 429 retries. `Ok(None)` = 404 on a get-by-id.
    fn send(&self, host: &dyn Host, kind: RequestKind, url: &str) -> CoreResult<Option<String>> {
        let mut retry = RetryState::new(self.retry);
        loop {
            let resp = host.get(url, &self.headers).map_err(CoreError::Transport)?;
            host.add_bytes_in(i64::try_from(resp.body.len()).unwrap_or(i64::MAX));
            match classify(kind, resp.status, &resp.headers, &resp.body)? {
                Outcome::Body => return Ok(Some(resp.body)),
                Outcome::NoRow => return Ok(None),
                Outcome::RateLimited { retry_after } => {
                    let wait = retry.next_wait(retry_after.as_deref(), host.epoch_secs())?;
                    host.sleep_ms(wait);
                }
            }
        }
    }
}

/// Fails when a list does not advance: the same first row again at a later
/// offset (a server ignoring `offset`), or more pages than any Clerk
/// instance has.
fn check_progress(
    last_first_id: &mut Option<String>,
    pages: &mut u64,
    max_pages: u64,
    path: &str,
    offset: u64,
    items: &[Value],
) -> CoreResult<()> {
    *pages += 1;
    if *pages > max_pages {
        return Err(CoreError::PagingRunaway { path: path.to_string(), pages: max_pages });
    }
    let first = items.first().and_then(|i| i.get("id")).and_then(Value::as_str);
    if offset > 0 && first.is_some() && first == last_first_id.as_deref() {
        return Err(CoreError::PagingStuck { path: path.to_string(), offset });
    }
    *last_first_id = first.map(str::to_string);
    Ok(())
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
