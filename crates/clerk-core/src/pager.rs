//! Offset paging over a list endpoint.
//!
//! The pager hands out page requests ahead of their responses: the next
//! page's request is known as soon as the current one is issued (assuming a
//! full page), so pages can be fetched concurrently. Responses then tell it
//! where the data ends: a short page, `total_count`, the answer of the
//! list's count endpoint (`GET /users/count` with the same filters, see
//! [`Pager::count_url`]), or the pushed LIMIT. Once the list's size is
//! known ([`Pager::size_known`]), every page it hands out holds rows: a
//! concurrent scan can send them all ahead without sending one past the
//! end.

use crate::catalog::{Envelope, Shape};
use crate::count::COUNT_ENDPOINTS;
use crate::plan::Fetch;
use crate::url::ApiUrl;

/// One page to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub url: String,
    pub offset: u64,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    base: ApiUrl,
    path: String,
    query: Vec<(String, String)>,
    page_size_max: u32,
    /// `false` for an endpoint without paging parameters: one request, no
    /// `limit`/`offset`, and it holds every row.
    paged: bool,
    /// Offset of the next page to issue.
    next_offset: u64,
    /// Exclusive end known so far: the pushed limit, then refined by short
    /// pages, `total_count` and the count endpoint.
    end: Option<u64>,
    /// `end` is where the rows end (the list's size, or a pushed limit
    /// below it), not just the pushed limit (which a shorter list never
    /// reaches).
    size_known: bool,
    /// The count endpoint taking this list's filters, for a bare list that
    /// has one ([`COUNT_ENDPOINTS`]).
    count_path: Option<&'static str>,
    /// Rows up to here came back (in full pages or a last short one).
    confirmed: u64,
}

impl Pager {
    /// A pager for one list request of a plan; `None` for a one-object
    /// request. `max_rows`: the plan's pushed limit.
    pub fn for_fetch(base: &ApiUrl, fetch: &Fetch, max_rows: Option<u64>) -> Option<Pager> {
        match fetch.shape {
            Shape::Paged {
                page_size_max,
                envelope,
            } => Some(Pager {
                // an unbound list path only: a bound one has its values filled in
                count_path: match envelope {
                    Envelope::BareArray => COUNT_ENDPOINTS
                        .iter()
                        .find(|(list, _)| *list == fetch.path)
                        .map(|(_, count)| *count),
                    Envelope::DataTotalCount | Envelope::Keyed(_) => None,
                },
                ..Pager::new(
                    base.clone(),
                    &fetch.path,
                    fetch.query.clone(),
                    page_size_max,
                    max_rows,
                )
            }),
            Shape::Unpaged { .. } => Some(Pager {
                paged: false,
                ..Pager::new(
                    base.clone(),
                    &fetch.path,
                    fetch.query.clone(),
                    u32::MAX,
                    max_rows,
                )
            }),
            Shape::One => None,
        }
    }

    /// `max_rows`: stop after that many rows (a pushed LIMIT).
    pub fn new(
        base: ApiUrl,
        path: &str,
        query: Vec<(String, String)>,
        page_size_max: u32,
        max_rows: Option<u64>,
    ) -> Pager {
        Pager {
            base,
            path: path.to_string(),
            query,
            page_size_max: page_size_max.max(1),
            paged: true,
            next_offset: 0,
            end: max_rows,
            size_known: max_rows == Some(0),
            count_path: None,
            confirmed: 0,
        }
    }

    /// The request that [`Pager::issue`] would return, without issuing it.
    pub fn peek(&self) -> Option<PageRequest> {
        if !self.paged {
            // One request answers everything; `end` is set once it has.
            if self.next_offset > 0 || self.end == Some(0) {
                return None;
            }
            return Some(PageRequest {
                url: self.base.url(&self.path, &self.query),
                offset: 0,
                limit: u32::MAX,
            });
        }
        let remaining = match self.end {
            Some(end) => end.checked_sub(self.next_offset).filter(|r| *r > 0)?,
            None => u64::MAX,
        };
        let limit = u32::try_from(remaining.min(u64::from(self.page_size_max)))
            .unwrap_or(self.page_size_max);
        let mut query = self.query.clone();
        query.push(("limit".into(), limit.to_string()));
        query.push(("offset".into(), self.next_offset.to_string()));
        Some(PageRequest {
            url: self.base.url(&self.path, &query),
            offset: self.next_offset,
            limit,
        })
    }

    /// Issues the next page request (assuming every earlier page is full),
    /// or `None` when the end is known to be reached.
    pub fn issue(&mut self) -> Option<PageRequest> {
        let req = self.peek()?;
        self.next_offset = req.offset.saturating_add(u64::from(req.limit));
        Some(req)
    }

    /// Records a page's response: `rows` rows came back, and the envelope's
    /// `total_count` if it has one. Returns how many of those rows to keep
    /// (rows past the known end, e.g. a server ignoring `limit`, are
    /// dropped).
    pub fn record(&mut self, page: &PageRequest, rows: usize, total_count: Option<u64>) -> usize {
        let rows_u64 = u64::try_from(rows).unwrap_or(u64::MAX);
        if !self.paged {
            // Everything came at once; a pushed limit still caps it.
            self.shrink_end(rows_u64);
            return usize::try_from(self.end.unwrap_or(rows_u64).min(rows_u64)).unwrap_or(rows);
        }
        if rows_u64 < u64::from(page.limit) {
            self.shrink_end(page.offset.saturating_add(rows_u64));
            self.size_known = true;
        }
        if let Some(total) = total_count {
            self.shrink_end(total);
            self.size_known = true;
        }
        let keep_until = self
            .end
            .unwrap_or(u64::MAX)
            .min(page.offset.saturating_add(u64::from(page.limit)));
        let keep = keep_until.saturating_sub(page.offset).min(rows_u64);
        self.confirmed = self.confirmed.max(page.offset.saturating_add(keep));
        usize::try_from(keep).unwrap_or(rows)
    }

    /// Records the list's size as its count endpoint answered it: no page
    /// at or past it is issued, and rows past it are dropped, as for
    /// `total_count`. A count below the rows already received (the list
    /// changed meanwhile) ends the list after them.
    pub fn record_total(&mut self, total: u64) {
        self.shrink_end(total.max(self.confirmed));
        self.size_known = true;
    }

    /// Whether the list's end is known: every page [`Pager::issue`] still
    /// hands out then holds rows (the list's data staying the same), so
    /// sending them ahead wastes none.
    pub fn size_known(&self) -> bool {
        self.size_known || !self.paged
    }

    /// The URL of the list's count endpoint with the list's filters (no
    /// paging or order), when it has one and counting can still spare
    /// requests: the size is unknown and more than one more page may be
    /// needed (a pushed limit ending within the next page needs no count).
    pub fn count_url(&self) -> Option<String> {
        let path = self.count_path.filter(|_| self.paged && !self.size_known)?;
        if let Some(end) = self.end {
            if end.saturating_sub(self.next_offset) <= u64::from(self.page_size_max) {
                return None;
            }
        }
        let query: Vec<(String, String)> = self
            .query
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "order_by" | "limit" | "offset" | "starting_after"
                )
            })
            .cloned()
            .collect();
        Some(self.base.url(path, &query))
    }

    /// The rest of the list is not needed (a sorted window ended).
    pub fn finish(&mut self) {
        self.shrink_end(self.next_offset);
        self.size_known = true;
    }

    /// The rest of the list after `page` is not needed, even when later
    /// pages were already issued (sent ahead).
    pub fn finish_after(&mut self, page: &PageRequest) {
        self.shrink_end(page.offset.saturating_add(u64::from(page.limit)));
        self.size_known = true;
    }

    /// Whether an issued page still holds rows the list needs (it starts
    /// before the end known so far).
    pub fn wants(&self, page: &PageRequest) -> bool {
        self.end.is_none_or(|end| page.offset < end)
    }

    /// No further page needs fetching.
    pub fn is_done(&self) -> bool {
        self.peek().is_none()
    }

    fn shrink_end(&mut self, end: u64) {
        self.end = Some(self.end.map_or(end, |e| e.min(end)));
    }
}

#[cfg(test)]
#[path = "pager_tests.rs"]
mod tests;
