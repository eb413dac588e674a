//! The one list algorithm every list endpoint runs, whatever holds its
//! objects (`table` for typed tables, `collection` for JSON objects): the
//! objects a request selects, in the spec's total order (the order field's
//! value with nulls last, then the id; the whole order reversed for
//! descending), counted, and the `offset`/`limit` window of them.
//!
//! Objects are addressed by a dense index. The ascending order is either
//! index order (a table's natural order, creation time) or a permutation
//! the back-end computed and cached; a request's candidates (the children
//! of one parent, the values of an exact filter) are sorted on their own.
//! Deleted objects keep their index but are never listed.

use crate::engine::params::Paging;

/// The objects of one list, as the algorithm reads them.
pub trait Rows {
    /// The full sort key for the request's order field: the value, then
    /// the id, so no two objects compare equal.
    type Key: Ord;

    /// Every index ever used, deleted ones included.
    fn len(&self) -> u32;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether object `i` still exists.
    fn is_live(&self, i: u32) -> bool;
    /// Whether every index is live (lets an unfiltered page jump straight
    /// to its window).
    fn all_live(&self) -> bool;
    /// The sort key of object `i`.
    fn key(&self, i: u32) -> Self::Key;
}

/// The ascending order of every index.
#[derive(Debug, Clone, Copy)]
pub enum Ascending<'a> {
    /// Index order.
    Index,
    /// A permutation (it may leave deleted indexes out).
    Permutation(&'a [u32]),
}

/// What one request asks for besides its order field.
pub struct Request<'a> {
    pub descending: bool,
    /// Only these indexes can match (checked by `filter` all the same).
    pub candidates: Option<Vec<u32>>,
    /// Every other condition; `None` accepts every live object.
    pub filter: Option<&'a dyn Fn(u32) -> bool>,
    /// Skip this many positions of the order first (cursor paging).
    pub start: usize,
    pub paging: Paging,
}

/// One page of indexes and how many objects the request selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub indexes: Vec<u32>,
    pub total: usize,
}

/// The page `request` selects of `rows` in `ascending` order (reversed for
/// a descending request).
pub fn window<R: Rows>(rows: &R, ascending: Ascending<'_>, request: Request<'_>) -> Page {
    let Request {
        descending,
        candidates,
        filter,
        start,
        paging,
    } = request;
    let positions = match ascending {
        Ascending::Index => rows.len() as usize,
        Ascending::Permutation(p) => p.len(),
    };
    let at = |position: usize| -> u32 {
        let ascending_position = if descending {
            positions - 1 - position
        } else {
            position
        };
        match ascending {
            Ascending::Index => ascending_position as u32,
            Ascending::Permutation(p) => p.get(ascending_position).copied().unwrap_or(u32::MAX),
        }
    };
    let selected = |i: u32| i < rows.len() && rows.is_live(i) && filter.is_none_or(|f| f(i));
    if let Some(mut candidates) = candidates {
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&i| selected(i));
        if start > 0 {
            candidates.retain(|&i| {
                position_of(ascending, positions, descending, i).is_some_and(|p| p >= start)
            });
        }
        let mut keyed: Vec<(R::Key, u32)> =
            candidates.into_iter().map(|i| (rows.key(i), i)).collect();
        keyed.sort_unstable_by(|a, b| {
            let ordering = a.0.cmp(&b.0);
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        let total = keyed.len();
        let indexes = keyed
            .into_iter()
            .skip(paging.offset)
            .take(paging.limit)
            .map(|(_, i)| i)
            .collect();
        return Page { indexes, total };
    }
    if filter.is_none() && rows.all_live() {
        let total = positions.saturating_sub(start);
        let first = start.saturating_add(paging.offset).min(positions);
        let last = first.saturating_add(paging.limit).min(positions);
        let indexes = (first..last).map(at).collect();
        return Page { indexes, total };
    }
    let mut total = 0usize;
    let mut indexes = Vec::with_capacity(paging.limit.min(64));
    for i in (start.min(positions)..positions).map(at) {
        if selected(i) {
            if total >= paging.offset && indexes.len() < paging.limit {
                indexes.push(i);
            }
            total += 1;
        }
    }
    Page { indexes, total }
}

/// The position of index `i` in an order (O(1) in index order, O(n) in a
/// permutation).
pub fn position_of(
    ascending: Ascending<'_>,
    positions: usize,
    descending: bool,
    i: u32,
) -> Option<usize> {
    let ascending_position = match ascending {
        Ascending::Index => ((i as usize) < positions).then_some(i as usize)?,
        Ascending::Permutation(p) => p.iter().position(|&j| j == i)?,
    };
    Some(if descending {
        positions - 1 - ascending_position
    } else {
        ascending_position
    })
}
