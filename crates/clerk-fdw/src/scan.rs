//! One foreign scan: runs a [`Plan`] against the API through a [`Host`],
//! one page at a time, and yields rows of cells in target-column order.

use std::collections::VecDeque;
use std::rc::Rc;

use clerk_core::catalog::{Envelope, Rows, Shape};
use clerk_core::decode::{decode_object, decode_page_keeping};
use clerk_core::response::{classify, Outcome};
use clerk_core::{
    ApiUrl, Cell, CoreError, CoreResult, Page, PageRequest, Pager, Plan, Projection, RequestKind,
    RetryPolicy, RetryState, CLERK_API_VERSION,
};
use serde_json::Value;

use crate::host::Host;

/// The rows of a whole result are kept for replay on `re-scan` (a nested
/// loop's inner side rescans once per outer row; refetching every time is
/// what makes Supabase's guest slow there) while their kept values take at
/// most this many bytes ([`approx_bytes`]); a larger result is fetched
/// again. A bound in bytes, not rows: 4 MiB is some 5,000 rows of an id
/// and an email, or about 800 whole users.
const REPLAY_MAX_BYTES: usize = 4 << 20;

/// Pages one list may take: 20,000 pages of 500 rows is ten million rows,
/// more than a Clerk instance holds; past it the server is not paging.
const MAX_PAGES_PER_LIST: u64 = 20_000;

/// The request headers sent on every call. Header names are lower case:
/// Supabase's host panics on anything else.
pub fn request_headers(api_key: &str) -> Vec<(String, String)> {
    vec![
        ("authorization".into(), format!("Bearer {api_key}")),
        (
            "user-agent".into(),
            format!("clerk-wrapper/{}", env!("CARGO_PKG_VERSION")),
        ),
        ("clerk-api-version".into(), CLERK_API_VERSION.into()),
        ("content-type".into(), "application/json".into()),
    ]
}

/// Requests in any 10 s a scan starts beyond the one it waits for: 90 % of
/// Clerk's limit for the key's instance (1000 per 10 s in production, 100
/// in development).
fn budget_per_10s(api_key: &str) -> usize {
    if api_key.starts_with("sk_live_") {
        900
    } else {
        90
    }
}

/// A page request of the current list sent ahead of its turn.
#[derive(Debug)]
struct Ahead {
    req: PageRequest,
    handle: u32,
}

/// One row as fetched: an API object, or a child object of a child table
/// with the parent it was un-nested from (shared by its siblings).
#[derive(Debug, Clone)]
enum Fetched {
    Item(Value),
    Child { parent: Rc<Value>, child: Value },
}

impl Fetched {
    fn approx_bytes(&self) -> usize {
        match self {
            Fetched::Item(v) => approx_bytes(v),
            Fetched::Child { parent, child } => {
                approx_bytes(parent).saturating_add(approx_bytes(child))
            }
        }
    }
}

/// About what a decoded value takes in memory (serde_json's, on the
/// guest's allocator): 32 bytes a value, a heap block of at least 32 bytes
/// for each string and key, and a B-tree node of some 640 bytes for each
/// 11 entries of an object.
fn approx_bytes(v: &Value) -> usize {
    const VALUE: usize = 32;
    const NODE: usize = 640;
    let heap = |len: usize| len.saturating_add(8).max(32);
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => VALUE,
        Value::String(s) => VALUE + heap(s.len()),
        Value::Array(items) => items
            .iter()
            .map(approx_bytes)
            .fold(VALUE + heap(items.len() * VALUE), usize::saturating_add),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| heap(k.len()).saturating_add(approx_bytes(v)))
            .fold(
                VALUE + NODE * map.len().div_ceil(11).max(1),
                usize::saturating_add,
            ),
    }
}

pub struct Scanner {
    plan: Plan,
    projection: Projection,
    /// The top-level keys of each listed object the scan reads (`None`:
    /// all): the rest is skipped while a page is parsed.
    keep: Option<Vec<String>>,
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
    /// What the replayed rows take ([`approx_bytes`]).
    replay_bytes: usize,
    /// Rows received from the API / produced to Postgres since the last
    /// [`Scanner::take_counts`].
    rows_in: i64,
    rows_out: i64,
    /// Page requests of the current list kept in flight while one is read
    /// (1: none, one request at a time; see [`Scanner::with_concurrency`]).
    concurrency: usize,
    /// The pages of the current list sent ahead, in offset order.
    ahead: VecDeque<Ahead>,
    /// When this scan's requests were sent (epoch seconds, the last 10 s)
    /// and how many any 10 s may hold before no more are sent ahead.
    sent: VecDeque<i64>,
    budget_per_10s: usize,
    /// Handles of pages sent ahead of a scan that started over, to abandon.
    stale: Vec<u32>,
    /// The count of the current list ([`Pager::count_url`]) in flight, and
    /// whether it was asked for already: asked once the first page came
    /// back full, alongside the second, so that the following pages go
    /// ahead all at once and none past the end.
    count: Option<u32>,
    count_asked: bool,
}

impl Scanner {
    pub fn new(plan: Plan, base: ApiUrl, api_key: &str) -> Scanner {
        let projection = Projection::new(plan.spec, &plan.columns);
        let keep = projection.needed_keys(plan.spec).map(|mut keys| {
            // a sorted window reads its key to know where to stop
            if let Some(stop) = plan.stop {
                keys.push(stop.key.to_string());
            }
            keys
        });
        let mut s = Scanner {
            projection,
            keep,
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
            replay_bytes: 0,
            rows_in: 0,
            rows_out: 0,
            concurrency: 1,
            ahead: VecDeque::new(),
            sent: VecDeque::new(),
            budget_per_10s: budget_per_10s(api_key),
            stale: Vec::new(),
            count: None,
            count_asked: false,
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

    /// Keeps up to `n` requests of a list in flight while one is read, on a
    /// host that can send them in the background ([`Host::start_get`];
    /// elsewhere, and with `n` = 1, one request at a time). Pages are read
    /// in order: the rows and their order are the sequential scan's.
    ///
    /// Once the list's size is known (a short page, `total_count`, or the
    /// count endpoint asked alongside the second page, see
    /// [`Pager::count_url`]) every page is sent ahead as soon as a slot is
    /// free, and none past the end. Before, pages go ahead one more after
    /// each full page read (1, 2, 3, ... up to `n`), so that a small list of
    /// unknown size wastes few requests; a page beyond the list's end that
    /// was sent ahead is abandoned. A 429 halves `n`.
    pub fn with_concurrency(mut self, n: usize) -> Scanner {
        self.concurrency = n.max(1);
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

    /// Abandons every request sent ahead (the scan ends or starts over).
    pub fn close(&mut self, host: &dyn Host) {
        let ahead = self.ahead.drain(..).map(|a| a.handle);
        for handle in self.stale.drain(..).chain(self.count.take()).chain(ahead) {
            host.abandon(handle);
        }
    }

    /// Forgets requests older than 10 s in the rate budget; whether one
    /// more may be sent ahead now.
    fn budget_left(&mut self, now: i64) -> bool {
        while self.sent.front().is_some_and(|t| *t <= now - 10) {
            self.sent.pop_front();
        }
        self.sent.len() < self.budget_per_10s
    }

    /// Sends pages of the current list ahead, up to the concurrency (with
    /// `waiting`, a page being waited for holds one of its slots), the ramp
    /// while the list's size is unknown, and within the rate budget, while
    /// the host takes them.
    fn send_ahead(&mut self, host: &dyn Host, waiting: bool) {
        for handle in self.stale.drain(..) {
            host.abandon(handle);
        }
        if self.concurrency <= 1 {
            return;
        }
        let Some(size_known) = self.pager.as_ref().map(Pager::size_known) else {
            return;
        };
        let busy = usize::from(waiting) + usize::from(self.count.is_some());
        let slots = self.concurrency.saturating_sub(busy);
        // unknown size: one page more ahead per full page read
        let window = if size_known {
            slots
        } else {
            slots.min(usize::try_from(self.pages).unwrap_or(usize::MAX).max(1))
        };
        let now = host.epoch_secs();
        while self.ahead.len() < window && self.budget_left(now) {
            let Some(pager) = self.pager.as_mut() else {
                break;
            };
            let Some(req) = pager.peek() else { break };
            let Some(handle) = host.start_get(&req.url, &self.headers) else {
                break;
            };
            pager.issue();
            self.sent.push_back(now);
            self.ahead.push_back(Ahead { req, handle });
        }
    }

    /// Asks the list's count endpoint in the background, once per list and
    /// only while its size is unknown and more pages may follow (not for a
    /// sorted window, which ends before the list does).
    fn ask_count(&mut self, host: &dyn Host) {
        if self.concurrency <= 1
            || self.count_asked
            || self.count.is_some()
            || self.plan.stop.is_some()
        {
            return;
        }
        let Some(url) = self.pager.as_ref().and_then(Pager::count_url) else {
            return;
        };
        let now = host.epoch_secs();
        if !self.budget_left(now) {
            return;
        }
        self.count_asked = true;
        if let Some(handle) = host.start_get(&url, &self.headers) {
            self.sent.push_back(now);
            self.count = Some(handle);
        }
    }

    /// Waits for the count asked for, if any, and records it as the list's
    /// size; the pages sent ahead past it are abandoned. A count that fails
    /// (an error status, a transport error, an unexpected body) is ignored:
    /// the scan goes on as without one. A 429 halves the concurrency.
    fn settle_count(&mut self, host: &dyn Host) {
        let Some(handle) = self.count.take() else {
            return;
        };
        let total = match host.wait(handle) {
            Ok(resp) => {
                host.add_bytes_in(i64::try_from(resp.body.len()).unwrap_or(i64::MAX));
                if resp.status == 429 {
                    self.concurrency = (self.concurrency / 2).max(1);
                }
                total_count_of(resp.status, &resp.body)
            }
            Err(_) => None,
        };
        if let (Some(total), Some(pager)) = (total, self.pager.as_mut()) {
            pager.record_total(total);
        }
        self.drop_unneeded(host);
    }

    /// Abandons the pages sent ahead that the list no longer needs (past a
    /// short page, `total_count`, a pushed limit or a sorted window's end).
    fn drop_unneeded(&mut self, host: &dyn Host) {
        let Some(pager) = self.pager.as_ref() else {
            return;
        };
        while self.ahead.back().is_some_and(|a| !pager.wants(&a.req)) {
            if let Some(a) = self.ahead.pop_back() {
                host.abandon(a.handle);
            }
        }
    }

    /// Makes fetch `index` the current one (or marks the scan exhausted).
    fn start_fetch(&mut self, index: usize) {
        self.fetch = index;
        self.last_first_id = None;
        self.pages = 0;
        self.stale.extend(self.count.take());
        self.count_asked = false;
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
                // pages sent ahead are not read: a fresh scan asks anew
                self.stale.extend(self.ahead.drain(..).map(|a| a.handle));
                self.stale.extend(self.count.take());
                self.replay = Some(Vec::new());
                self.replay_bytes = 0;
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
                let bound = self
                    .plan
                    .fetches()
                    .get(fetch)
                    .map_or(&[][..], |f| &f.bound[..]);
                let row = match &fetched {
                    Fetched::Item(item) => self.projection.row(item, None, bound)?,
                    Fetched::Child { parent, child } => {
                        self.projection.row(child, Some(parent), bound)?
                    }
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
            Some(_) => {
                // the count asked alongside this page first (sent before it)
                self.settle_count(host);
                // the oldest page sent ahead, else the next one, sent now
                let (req, handle) = match self.ahead.pop_front() {
                    Some(a) => (Some(a.req), Some(a.handle)),
                    None => (self.pager.as_mut().and_then(Pager::issue), None),
                };
                match req {
                    None => Vec::new(),
                    Some(req) => {
                        if handle.is_none() {
                            self.sent.push_back(host.epoch_secs());
                        } else if self.pager.as_ref().is_some_and(Pager::size_known) {
                            // fill the slots while this page is waited for
                            // (a count just answered, a 429 halving over)
                            self.send_ahead(host, true);
                        }
                        self.read_page(host, index, &req, handle)?
                    }
                }
            }
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
                    children.into_iter().map(move |child| Fetched::Child {
                        parent: Rc::clone(&parent),
                        child,
                    })
                })
                .collect(),
        };
        let fetch_done = match &self.pager {
            None => !self.one_pending,
            // pages sent ahead are issued but not read yet
            Some(p) => p.is_done() && self.ahead.is_empty(),
        };
        if fetch_done {
            self.start_fetch(index + 1);
        }
        self.rows_in += i64::try_from(rows.len()).unwrap_or(i64::MAX);
        if let Some(replay) = &mut self.replay {
            // a child's parent is counted with each child: an upper bound
            let bytes = rows
                .iter()
                .map(Fetched::approx_bytes)
                .fold(self.replay_bytes, usize::saturating_add);
            if bytes <= REPLAY_MAX_BYTES {
                replay.extend(rows.iter().cloned().map(|r| (index, r)));
                self.replay_bytes = bytes;
            } else {
                self.replay = None;
            }
        }
        self.buffer.extend(rows.into_iter().map(|r| (index, r)));
        Ok(())
    }

    /// Reads one page of list `index` (waiting for it when it was sent
    /// ahead), records it in the pager, and sends the following pages
    /// ahead before its rows are consumed.
    fn read_page(
        &mut self,
        host: &dyn Host,
        index: usize,
        req: &PageRequest,
        handle: Option<u32>,
    ) -> CoreResult<Vec<Value>> {
        let Some(fetch) = self.plan.fetches().get(index) else {
            return Ok(Vec::new());
        };
        let envelope = match fetch.shape {
            Shape::Paged { envelope, .. } | Shape::Unpaged { envelope } => envelope,
            Shape::One => Envelope::BareArray,
        };
        // A parent that does not exist has no children: a 404
        // on a bound list is an empty result, as for a get.
        let kind = if fetch.bound.is_empty() {
            RequestKind::List
        } else {
            RequestKind::GetById
        };
        let path = fetch.path.clone();
        let body = match handle {
            Some(h) => {
                let body = self.answer_of(host, kind, h, &req.url)?;
                // Its slot is free: with the size known, the next page goes
                // now, not after this one is decoded.
                if self.pager.as_ref().is_some_and(Pager::size_known) {
                    self.send_ahead(host, false);
                }
                body
            }
            None => self.send(host, kind, &req.url)?,
        };
        let mut items = match body {
            Some(body) => decode_page_keeping(envelope, &body, self.keep.as_deref())?,
            None => Page {
                items: Vec::new(),
                total_count: Some(0),
            },
        };
        let keep = self.pager.as_mut().map_or(items.items.len(), |p| {
            p.record(req, items.items.len(), items.total_count)
        });
        items.items.truncate(keep);
        check_progress(
            &mut self.last_first_id,
            &mut self.pages,
            self.max_pages,
            &path,
            req.offset,
            &items.items,
        )?;
        // Newest first: the first row older than the window's
        // bound ends the list.
        if let Some(stop) = self.plan.stop {
            let older = |i: &Value| {
                i.get(stop.key)
                    .and_then(Value::as_i64)
                    .is_some_and(|ms| ms < stop.below_ms)
            };
            if let Some(at) = items.items.iter().position(older) {
                items.items.truncate(at);
                if let Some(p) = self.pager.as_mut() {
                    p.finish_after(req);
                }
            }
        }
        self.drop_unneeded(host);
        self.ask_count(host);
        self.send_ahead(host, false);
        Ok(items.items)
    }

    /// The answer to a page sent ahead, with the same 429 handling as
    /// [`Scanner::send`]: a 429 halves the concurrency, waits as advised
    /// and sends the page again.
    fn answer_of(
        &mut self,
        host: &dyn Host,
        kind: RequestKind,
        handle: u32,
        url: &str,
    ) -> CoreResult<Option<String>> {
        let resp = host.wait(handle).map_err(CoreError::Transport)?;
        host.add_bytes_in(i64::try_from(resp.body.len()).unwrap_or(i64::MAX));
        match classify(kind, resp.status, &resp.headers, &resp.body)? {
            Outcome::Body => Ok(Some(resp.body)),
            Outcome::NoRow => Ok(None),
            Outcome::RateLimited { retry_after } => {
                self.concurrency = (self.concurrency / 2).max(1);
                let wait = RetryState::new(self.retry)
                    .next_wait(retry_after.as_deref(), host.epoch_secs())?;
                host.sleep_ms(wait);
                self.send(host, kind, url)
            }
        }
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

/// The `total_count` of a count endpoint's 200 answer
/// (`{"object":"total_count","total_count":N}`); `None` for anything else.
fn total_count_of(status: u16, body: &str) -> Option<u64> {
    if status != 200 {
        return None;
    }
    serde_json::from_str::<Value>(body)
        .ok()?
        .get("total_count")?
        .as_u64()
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
        return Err(CoreError::PagingRunaway {
            path: path.to_string(),
            pages: max_pages,
        });
    }
    let first = items
        .first()
        .and_then(|i| i.get("id"))
        .and_then(Value::as_str);
    if offset > 0 && first.is_some() && first == last_first_id.as_deref() {
        return Err(CoreError::PagingStuck {
            path: path.to_string(),
            offset,
        });
    }
    *last_first_id = first.map(str::to_string);
    Ok(())
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
