//! The engine's typed back-end, for the tables that grow to a million rows
//! (users, organizations, memberships and both invitation lists): a total, stable order
//! over a table of seeded objects (field value, then id, reversed as a whole for
//! descending), optional filtering, and `offset`/`limit` windows over it.
//!
//! Orders other than the table's natural one (creation order, which is index
//! order by construction) are computed once per field and cached as a
//! permutation of `u32` indexes, so paging a million rows costs 4 MB per
//! field ever asked for, and a page costs O(limit) when nothing is filtered.

use std::cmp::Ordering;
use std::sync::OnceLock;

use crate::engine::params::{OrderBy, OrderField, Paging};

/// A value to sort by. The derived order puts `Null` after every value, so
/// nulls come last ascending and first descending (as in Postgres, which
/// Clerk runs on).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyValue {
    Int(i64),
    Str(String),
    Null,
}

impl From<Option<i64>> for KeyValue {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Self::Null, Self::Int)
    }
}

impl From<Option<String>> for KeyValue {
    fn from(v: Option<String>) -> Self {
        v.map_or(Self::Null, Self::Str)
    }
}

/// The full sort key: the field's value, then the object's id bytes, so no
/// two objects compare equal and offset paging never repeats or skips one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    pub value: KeyValue,
    pub id: [u8; 20],
}

/// A table of objects addressed by a dense index `0..len`.
pub trait Table {
    type Field: OrderField;

    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The field whose ascending order is index order (creation time).
    fn natural_field(&self) -> Self::Field;
    /// The sort key of object `index` for `field`.
    fn sort_key(&self, field: Self::Field, index: u32) -> SortKey;
    /// The per-field permutation cache.
    fn sort_cache(&self) -> &SortCache;
    /// Whether object `index` still exists (deleted objects keep their
    /// index, so orders and cursors stay stable, but are never listed).
    fn is_live(&self, _index: u32) -> bool {
        true
    }
    /// Whether no object was deleted (lets `select` skip liveness checks).
    fn all_live(&self) -> bool {
        true
    }
    /// Whether index order is still ascending natural-field order (a write
    /// that sets `created_at` can break it; then that order is sorted too).
    fn natural_order_holds(&self) -> bool {
        true
    }
}

/// Lazily computed ascending permutations, one slot per order field.
#[derive(Debug, Default)]
pub struct SortCache {
    slots: Vec<OnceLock<Vec<u32>>>,
}

impl SortCache {
    pub fn new(fields: usize) -> Self {
        Self {
            slots: (0..fields).map(|_| OnceLock::new()).collect(),
        }
    }
}

fn field_slot<F: OrderField>(field: F) -> usize {
    F::FIELDS.iter().position(|(_, f)| *f == field).unwrap_or(0)
}

/// The objects of a table in one order.
#[derive(Debug, Clone, Copy)]
pub struct OrderedView<'a> {
    permutation: Option<&'a [u32]>,
    len: usize,
    descending: bool,
}

impl<'a> OrderedView<'a> {
    pub fn new<T: Table>(table: &'a T, order: OrderBy<T::Field>) -> Self {
        let len = table.len();
        let permutation = if order.field == table.natural_field() && table.natural_order_holds() {
            None
        } else {
            let slot = field_slot(order.field);
            table.sort_cache().slots.get(slot).map(|cell| {
                cell.get_or_init(|| {
                    let mut keyed: Vec<(SortKey, u32)> = (0..len as u32)
                        .map(|i| (table.sort_key(order.field, i), i))
                        .collect();
                    keyed.sort_unstable();
                    keyed.into_iter().map(|(_, i)| i).collect()
                })
                .as_slice()
            })
        };
        Self {
            permutation,
            len,
            descending: order.descending,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The object at `position` in this order.
    pub fn at(&self, position: usize) -> u32 {
        let ascending_position = if self.descending {
            self.len - 1 - position
        } else {
            position
        };
        match self.permutation {
            Some(p) => p[ascending_position],
            None => ascending_position as u32,
        }
    }

    /// The position of `index` in this order (O(1) in natural order, O(n)
    /// otherwise).
    pub fn position_of(&self, index: u32) -> Option<usize> {
        let ascending_position = match self.permutation {
            None => ((index as usize) < self.len).then_some(index as usize)?,
            Some(p) => p.iter().position(|&i| i == index)?,
        };
        Some(if self.descending {
            self.len - 1 - ascending_position
        } else {
            ascending_position
        })
    }

    pub fn iter_from(self, start: usize) -> impl Iterator<Item = u32> + 'a {
        (start.min(self.len)..self.len).map(move |p| self.at(p))
    }
}

/// Which objects a list request selects, before ordering and paging.
#[derive(Default)]
pub struct Selection<'a> {
    /// If set, only these indexes can match (an exact filter such as
    /// `user_id=...` decoded its values); they are still checked by `filter`.
    pub candidates: Option<Vec<u32>>,
    /// Every condition of the request; `None` means "everything matches".
    pub filter: Option<Box<dyn Fn(u32) -> bool + 'a>>,
    /// Start after this many positions of the order (cursor paging).
    pub start: usize,
}

/// One page of indexes and the number of objects the selection matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub indexes: Vec<u32>,
    pub total: usize,
}

/// Order, filter and window a table.
pub fn select<'a, T: Table>(
    table: &'a T,
    order: OrderBy<T::Field>,
    mut selection: Selection<'a>,
    paging: Paging,
) -> Page {
    if !table.all_live() {
        let filter = selection.filter.take();
        selection.filter = Some(Box::new(move |i| {
            table.is_live(i) && filter.as_ref().is_none_or(|f| f(i))
        }));
    }
    let matches = |i: u32| selection.filter.as_ref().is_none_or(|f| f(i));
    if let Some(mut candidates) = selection.candidates {
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&i| (i as usize) < table.len() && matches(i));
        if selection.start > 0 {
            let view = OrderedView::new(table, order);
            candidates.retain(|&i| view.position_of(i).is_some_and(|p| p >= selection.start));
        }
        let mut keyed: Vec<(SortKey, u32)> = candidates
            .into_iter()
            .map(|i| (table.sort_key(order.field, i), i))
            .collect();
        keyed.sort_unstable_by(|a, b| directed(a.0.cmp(&b.0), order.descending));
        let total = keyed.len();
        let indexes = keyed
            .into_iter()
            .skip(paging.offset)
            .take(paging.limit)
            .map(|(_, i)| i)
            .collect();
        return Page { indexes, total };
    }
    let view = OrderedView::new(table, order);
    match &selection.filter {
        None => {
            let total = view.len().saturating_sub(selection.start);
            let first = selection.start.saturating_add(paging.offset);
            let indexes = view.iter_from(first).take(paging.limit).collect();
            Page { indexes, total }
        }
        Some(filter) => {
            let mut total = 0usize;
            let mut indexes = Vec::with_capacity(paging.limit.min(64));
            for i in view.iter_from(selection.start) {
                if filter(i) {
                    if total >= paging.offset && indexes.len() < paging.limit {
                        indexes.push(i);
                    }
                    total += 1;
                }
            }
            Page { indexes, total }
        }
    }
}

fn directed(ordering: Ordering, descending: bool) -> Ordering {
    if descending {
        ordering.reverse()
    } else {
        ordering
    }
}

/// A `SortCache` for tables whose sort keys depend on other tables (a
/// membership sorts by its user's email): the cache is rebuilt whenever the
/// version the caller computes from those tables changes. Handed out as an
/// `Arc` so a request keeps its orders while a later write replaces them.
#[derive(Debug)]
pub struct VersionedCache {
    fields: usize,
    inner: std::sync::Mutex<(u64, std::sync::Arc<SortCache>)>,
}

impl VersionedCache {
    pub fn new(fields: usize) -> Self {
        Self {
            fields,
            inner: std::sync::Mutex::new((0, std::sync::Arc::new(SortCache::new(fields)))),
        }
    }

    /// The cache for `version`, fresh if the version moved on.
    pub fn get(&self, version: u64) -> std::sync::Arc<SortCache> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if guard.0 != version {
            *guard = (version, std::sync::Arc::new(SortCache::new(self.fields)));
        }
        guard.1.clone()
    }
}
