//! The engine's typed back-end, for the tables that grow to a million rows
//! (users, organizations, memberships and both invitation lists): a table
//! of seeded objects addressed by a dense index, described to the list
//! algorithm (`crate::engine::window`) by its sort keys (field value, then
//! id bytes) and liveness.
//!
//! Orders other than the table's natural one (creation order, which is index
//! order by construction) are computed once per field and cached as a
//! permutation of `u32` indexes, so paging a million rows costs 4 MB per
//! field ever asked for, and a page costs O(limit) when nothing is filtered.
//!
//! `Writes` holds what users and organizations share of their write
//! state (the written objects, the created count, the deleted indexes,
//! the natural-order flag, and those cached orders, dropped on each write).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::engine::params::{OrderBy, OrderField, Paging};
pub use crate::engine::window::Page;
use crate::engine::window::{self, Ascending, Request, Rows};

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

impl SortKey {
    /// The sort key of a written object, whose id (`prefix` + base62
    /// KSUID) is read back into bytes.
    pub fn written(value: KeyValue, id: &str, prefix: &str) -> Self {
        let id = id
            .strip_prefix(prefix)
            .and_then(crate::seed::base62_decode)
            .unwrap_or([0; 20]);
        Self { value, id }
    }
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

/// The ascending order of a table for one field: index order when that
/// is the field's order, else the field's cached permutation.
pub fn ascending<T: Table>(table: &T, field: T::Field) -> Ascending<'_> {
    if field == table.natural_field() && table.natural_order_holds() {
        return Ascending::Index;
    }
    let len = table.len();
    match table.sort_cache().slots.get(field_slot(field)) {
        Some(cell) => Ascending::Permutation(cell.get_or_init(|| {
            let mut keyed: Vec<(SortKey, u32)> = (0..len as u32)
                .map(|i| (table.sort_key(field, i), i))
                .collect();
            keyed.sort_unstable();
            keyed.into_iter().map(|(_, i)| i).collect()
        })),
        None => Ascending::Index,
    }
}

/// The position of object `index` in `order` (cursor paging).
pub fn position_of<T: Table>(table: &T, order: OrderBy<T::Field>, index: u32) -> Option<usize> {
    window::position_of(
        ascending(table, order.field),
        table.len(),
        order.descending,
        index,
    )
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

/// A table as the list algorithm reads it, for one order field.
struct Keyed<'t, T: Table> {
    table: &'t T,
    field: T::Field,
}

impl<T: Table> Rows for Keyed<'_, T> {
    type Key = SortKey;

    fn len(&self) -> u32 {
        self.table.len() as u32
    }

    fn is_live(&self, i: u32) -> bool {
        self.table.is_live(i)
    }

    fn all_live(&self) -> bool {
        self.table.all_live()
    }

    fn key(&self, i: u32) -> SortKey {
        self.table.sort_key(self.field, i)
    }
}

/// Order, filter and window a table.
pub fn select<T: Table>(
    table: &T,
    order: OrderBy<T::Field>,
    selection: Selection<'_>,
    paging: Paging,
) -> Page {
    let rows = Keyed {
        table,
        field: order.field,
    };
    window::window(
        &rows,
        ascending(table, order.field),
        Request {
            descending: order.descending,
            candidates: selection.candidates,
            filter: selection.filter.as_deref(),
            start: selection.start,
            paging,
        },
    )
}

/// The writes on a table of seeded objects (users, organizations): the
/// objects written since startup by index (changed seeded ones, and
/// created ones at indexes `seeded..`, in creation order, so index order
/// stays `created_at` order), the deleted indexes, and the table's cached
/// orders, dropped on every write. What a `Table` impl reads of it is
/// `len`, `is_live`, `all_live`, `natural_order_holds` and `sort_cache`.
#[derive(Debug)]
pub struct Writes<T> {
    seeded: u32,
    written: HashMap<u32, T>,
    created: u32,
    deleted: HashSet<u32>,
    /// Set once a write chose a `created_at` out of index order.
    natural_broken: bool,
    fields: usize,
    sort_cache: SortCache,
}

impl<T> Writes<T> {
    /// No writes yet on `seeded` objects sortable by `fields` order fields.
    pub fn new(seeded: u32, fields: usize) -> Self {
        Self {
            seeded,
            written: HashMap::new(),
            created: 0,
            deleted: HashSet::new(),
            natural_broken: false,
            fields,
            sort_cache: SortCache::new(fields),
        }
    }

    /// The number of seeded objects.
    pub fn seeded_len(&self) -> u32 {
        self.seeded
    }

    /// Every index ever used (seeded and created), deleted ones included;
    /// also the index the next created object gets.
    pub fn len(&self) -> u32 {
        self.seeded + self.created
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Object `index` as last written, if it was.
    pub fn get(&self, index: u32) -> Option<&T> {
        self.written.get(&index)
    }

    /// Every written object with its index, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.written.iter().map(|(&i, o)| (i, o))
    }

    /// Take written object `index` out (to `write` it back changed).
    pub fn take(&mut self, index: u32) -> Option<T> {
        self.written.remove(&index)
    }

    /// Object `index` is now `object`; returned for writing.
    pub fn write(&mut self, index: u32, object: T) -> &mut T {
        self.drop_orders();
        self.written.remove(&index);
        self.written.entry(index).or_insert(object)
    }

    /// Add a created object at index `len()`, and return that index.
    pub fn insert_created(&mut self, object: T) -> u32 {
        let index = self.len();
        self.created += 1;
        self.write(index, object);
        index
    }

    pub fn delete(&mut self, index: u32) {
        self.drop_orders();
        self.written.remove(&index);
        self.deleted.insert(index);
    }

    /// A write set a `created_at` of its choosing.
    pub fn break_natural_order(&mut self) {
        self.natural_broken = true;
        self.drop_orders();
    }

    /// Forget the cached orders (a sort key changed).
    pub fn drop_orders(&mut self) {
        self.sort_cache = SortCache::new(self.fields);
    }

    pub fn is_live(&self, index: u32) -> bool {
        !self.deleted.contains(&index)
    }

    pub fn all_live(&self) -> bool {
        self.deleted.is_empty()
    }

    pub fn natural_order_holds(&self) -> bool {
        !self.natural_broken
    }

    pub fn sort_cache(&self) -> &SortCache {
        &self.sort_cache
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
